"""ae: dense autoencoders for representation learning and outlier detection, on the C++
library that the `ae` command-line tool runs.

    import ae
    model = ae.Autoencoder(layers="128:relu,32:relu,8:sigmoid,32:relu,128:relu,784:sigmoid",
                           epochs=50, batch_size=256).fit(x_train, validation_data=x_test)
    codes = model.transform(x_test)          # embeddings
    scores = model.decision_function(x_new)  # outlier scores, as `ae score` computes them
    model.save("model.safetensors")          # the file the CLI reads
"""
from ._ae import Model, load_data, load_labels
from ._estimator import Autoencoder, load

__all__ = ["Autoencoder", "Model", "load", "load_data", "load_labels"]
__version__ = "0.1.0"
