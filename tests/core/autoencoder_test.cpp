// Layer specs, architecture checks, the summary table, initialisers and the two halves.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "ae/autoencoder.hpp"
#include "ae/error.hpp"
#include "ae/random.hpp"
#include "../cpu_support.hpp"

namespace ae {
namespace {

constexpr const char* kSeedSpec = "128:relu,32:relu,8:sigmoid,32:relu,128:relu,784:sigmoid";

ErrorKind kind_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  return ErrorKind::internal;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Architecture, SeedSpecHas210520ParametersAndAnEightWideBottleneck) {
  const auto arch = make_architecture(784, parse_layers(kSeedSpec));
  EXPECT_EQ(arch.parameter_count(), 210520u);
  EXPECT_EQ(arch.bottleneck, 2u);
  EXPECT_EQ(arch.embedding_width(), 8u);
  EXPECT_EQ(arch.spec(), kSeedSpec);
}

TEST(Architecture, BottleneckIsTheFirstNarrowestUnlessGiven) {
  const auto arch = make_architecture(6, parse_layers("4:relu,2:relu,5:relu,2:relu,6:linear"));
  EXPECT_EQ(arch.bottleneck, 1u);
  const auto chosen = make_architecture(6, parse_layers("4:relu,2:relu,5:relu,2:relu,6:linear"), 3);
  EXPECT_EQ(chosen.bottleneck, 3u);
  EXPECT_EQ(kind_of([] { make_architecture(6, parse_layers("4,6"), 1); }), ErrorKind::usage);
}

TEST(Architecture, ActivationDefaultsToLinearAndSpacesAreAllowed) {
  const auto layers = parse_layers(" 3 , 2:tanh ");
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].activation, Activation::linear);
  EXPECT_EQ(layers[1].activation, Activation::tanh);
}

TEST(Architecture, BadSpecsAreUsageErrorsNamingTheToken) {
  for (const char* spec : {"", "128:relu,,8", "12x:relu", "0:relu", "128:swish", "-3:relu", "8:relu,"}) {
    EXPECT_EQ(kind_of([&] { parse_layers(spec); }), ErrorKind::usage) << spec;
  }
  EXPECT_NE(message_of([] { parse_layers("128:relu,32:swish"); }).find("'32:swish'"), std::string::npos);
  EXPECT_NE(message_of([] { parse_layers("128:relu,1x2"); }).find("'1x2'"), std::string::npos);
}

TEST(Architecture, LastWidthMustEqualTheInput) {
  EXPECT_EQ(kind_of([] { make_architecture(784, parse_layers("128:relu,8:relu,128:relu,700:sigmoid")); }),
            ErrorKind::usage);
  EXPECT_EQ(kind_of([] { make_architecture(4, parse_layers("4:relu")); }), ErrorKind::usage);
}

TEST(Summary, ListsEveryLayerAndTheTotal) {
  const auto text = summary(make_architecture(784, parse_layers(kSeedSpec)));
  EXPECT_NE(text.find("Total params: 210,520"), std::string::npos) << text;
  EXPECT_NE(text.find("dense_3 (embedding)"), std::string::npos);
  EXPECT_NE(text.find("(None, 8)"), std::string::npos);
  EXPECT_NE(text.find("100,480"), std::string::npos);  // 784 * 128 + 128
  EXPECT_NE(text.find("101,136"), std::string::npos);  // 128 * 784 + 784
}

TEST(Initializer, GlorotUniformHasTheKerasLimitAndZeroBiases) {
  Autoencoder model(make_architecture(784, parse_layers(kSeedSpec)));
  Rng rng(0);
  model.initialize(Init::glorot_uniform, rng);
  const double limit = std::sqrt(6.0 / (784 + 128));
  double sq = 0, max_abs = 0;
  const std::size_t n = model.weight_size(0);
  for (std::size_t i = 0; i < n; ++i) {
    sq += double(model.weight(0)[i]) * model.weight(0)[i];
    max_abs = std::max(max_abs, std::abs(double(model.weight(0)[i])));
  }
  EXPECT_LE(max_abs, limit);
  EXPECT_GT(max_abs, 0.99 * limit);
  EXPECT_NEAR(sq / n, limit * limit / 3, 0.02 * limit * limit);  // variance of U(-a, a)
  for (std::size_t o = 0; o < 128; ++o) EXPECT_EQ(model.bias(0)[o], 0.0f);
}

TEST(Initializer, HeAndLecunUseFanIn) {
  Autoencoder model(make_architecture(100, parse_layers("10:relu,100:linear")));
  Rng rng(1);
  model.initialize(Init::he_uniform, rng);
  double max_abs = 0;
  for (std::size_t i = 0; i < model.weight_size(0); ++i) max_abs = std::max(max_abs, std::abs(double(model.weight(0)[i])));
  EXPECT_LE(max_abs, std::sqrt(6.0 / 100));
  EXPECT_GT(max_abs, 0.95 * std::sqrt(6.0 / 100));
  model.initialize(Init::lecun_uniform, rng);
  max_abs = 0;
  for (std::size_t i = 0; i < model.weight_size(0); ++i) max_abs = std::max(max_abs, std::abs(double(model.weight(0)[i])));
  EXPECT_LE(max_abs, std::sqrt(3.0 / 100));
  EXPECT_EQ(kind_of([] { parse_init("zeros"); }), ErrorKind::usage);
}

TEST(Autoencoder, EncodeThenDecodeEqualsReconstruct) {
  Autoencoder model(make_architecture(6, parse_layers("5:tanh,2:sigmoid,5:relu,6:sigmoid")));
  Rng rng(2);
  model.initialize(Init::glorot_uniform, rng);
  std::vector<float> x(18);
  for (auto& v : x) v = rng.uniform_float();
  const ConstMatrixView xv{x.data(), 3, 6};
  const auto z = model.encode(xv);
  ASSERT_EQ(z.cols, 2u);
  const std::vector<float> emb(z.data, z.data + z.size());
  const auto decoded = model.decode({emb.data(), 3, 2});
  const std::vector<float> via_halves(decoded.data, decoded.data + decoded.size());
  const auto full = model.reconstruct(xv);
  ASSERT_EQ(full.cols, 6u);
  for (std::size_t i = 0; i < via_halves.size(); ++i) EXPECT_EQ(via_halves[i], full.data[i]);
}

TEST(Autoencoder, BackwardConsumingWritesWhatBackwardAddsExactly) {
  // A middle layer wider than the output, so the scratch buffers must hold more than dy.
  // backward adds into a zeroed arena; backward_consuming writes over one holding garbage.
  Autoencoder model(make_architecture(6, parse_layers("9:tanh,2:sigmoid,9:relu,6:sigmoid")));
  Rng rng(4);
  model.initialize(Init::glorot_uniform, rng);
  std::vector<float> x(5 * 6), dy(5 * 6);
  for (auto& v : x) v = rng.uniform_float();
  for (auto& v : dy) v = rng.uniform_float() - 0.5f;
  const ConstMatrixView xv{x.data(), 5, 6};
  Workspace<float> ws;
  std::vector<float> g_copy(model.parameters().size(), 0.0f), g_consume(g_copy.size(), 7.5f);
  std::vector<float> dx_copy(30, 1.0f), dx_consume(30, 2.0f);
  MatrixView dxa{dx_copy.data(), 5, 6}, dxb{dx_consume.data(), 5, 6};
  model.forward(xv, 0, model.layer_count(), ws);
  model.backward(ConstMatrixView{dy.data(), 5, 6}, ws, g_copy, &dxa);
  const std::vector<float> dy_before = dy;
  model.forward(xv, 0, model.layer_count(), ws);
  model.backward_consuming(MatrixView{dy.data(), 5, 6}, ws, g_consume, &dxb);
  EXPECT_EQ(g_consume, g_copy);
  EXPECT_EQ(dx_consume, dx_copy);
  EXPECT_NE(dy, dy_before);  // consumed
}

TEST(Autoencoder, SparseInputTakesTheSparsePathWithTheDenseResults) {
  Autoencoder model(make_architecture(64, parse_layers("48:relu,4:sigmoid,48:relu,64:sigmoid")));
  Rng rng(6);
  model.initialize(Init::he_uniform, rng);
  const std::size_t B = 20, D = 64;
  std::vector<float> sparse(B * D, 0.0f), dense(B * D), dy(B * D);
  for (auto& v : sparse) {
    if (rng.uniform_float() < 0.15f) v = rng.uniform_float();
  }
  for (auto& v : dense) v = rng.uniform_float() + 0.01f;
  for (auto& v : dy) v = rng.uniform_float() - 0.5f;
  Workspace<float> fast, plain;
  plain.sparse_density = 0;  // never
  for (const auto* x : {&sparse, &dense}) {
    const ConstMatrixView xv{x->data(), B, D};
    const auto a = model.forward(xv, 0, model.layer_count(), fast);
    EXPECT_EQ(fast.sparse.active, x == &sparse);
    const auto b = model.forward(xv, 0, model.layer_count(), plain);
    EXPECT_FALSE(plain.sparse.active);
    for (std::size_t i = 0; i < B * D; ++i) ASSERT_NEAR(a.data[i], b.data[i], 1e-5f);
    std::vector<float> ga(model.parameters().size(), 0.0f), gb(ga.size(), 0.0f), gc(ga.size(), -3.0f);
    model.backward(ConstMatrixView{dy.data(), B, D}, fast, ga);
    model.backward(ConstMatrixView{dy.data(), B, D}, plain, gb);
    for (std::size_t i = 0; i < ga.size(); ++i) ASSERT_NEAR(ga[i], gb[i], 1e-4f) << i;
    // The training step's variant writes over whatever the arena held, on the sparse path too.
    std::vector<float> dy_copy = dy;
    model.forward(xv, 0, model.layer_count(), fast);
    model.backward_consuming(MatrixView{dy_copy.data(), B, D}, fast, gc);
    EXPECT_EQ(gc, ga);
  }
}

TEST(Autoencoder, SparsePathResultsOfARowDoNotDependOnTheOtherRows) {
  Autoencoder model(make_architecture(64, parse_layers("40:tanh,64:sigmoid")));
  Rng rng(7);
  model.initialize(Init::glorot_uniform, rng);
  const std::size_t B = 16, D = 64;
  std::vector<float> x(B * D, 0.0f);
  for (auto& v : x) {
    if (rng.uniform_float() < 0.1f) v = rng.uniform_float();
  }
  // The first layer only: the GEMMs of later layers may round edge rows differently.
  Workspace<float> ws;
  const std::size_t H = 40;
  const auto all = model.forward(ConstMatrixView{x.data(), B, D}, 0, 1, ws);
  const std::vector<float> together(all.data, all.data + all.size());
  ASSERT_TRUE(ws.sparse.active);
  // The same rows again in the other order.
  std::vector<float> reversed(B * D);
  for (std::size_t r = 0; r < B; ++r) std::copy_n(x.data() + r * D, D, reversed.data() + (B - 1 - r) * D);
  const auto back = model.forward(ConstMatrixView{reversed.data(), B, D}, 0, 1, ws);
  ASSERT_TRUE(ws.sparse.active);
  for (std::size_t r = 0; r < B; ++r) {
    for (std::size_t c = 0; c < H; ++c) ASSERT_EQ(back.data[(B - 1 - r) * H + c], together[r * H + c]);
  }
}

TEST(Autoencoder, SparseBackwardSurvivesAnInputFilledInAfterForward) {
  // The contract asks for x unchanged until backward; breaking it must still not write past
  // the compressed buffers sized at forward time (the sanitizer build checks).
  Autoencoder model(make_architecture(64, parse_layers("40:relu,64:sigmoid")));
  Rng rng(8);
  model.initialize(Init::he_uniform, rng);
  const std::size_t B = 16, D = 64;
  std::vector<float> x(B * D, 0.0f), dy(B * D, 0.01f);
  x[3] = 1.0f;
  Workspace<float> ws;
  model.forward(ConstMatrixView{x.data(), B, D}, 0, 2, ws);
  ASSERT_TRUE(ws.sparse.active);
  std::fill(x.begin(), x.end(), 0.5f);
  std::vector<float> grads(model.parameters().size(), 0.0f);
  model.backward(ConstMatrixView{dy.data(), B, D}, ws, grads);
  for (float g : grads) ASSERT_TRUE(std::isfinite(g));
}

TEST(Autoencoder, Bf16BackwardReadsTheWeightsItsForwardPassRounded) {
  AE_SKIP_WITHOUT_BF16();
  // Dense (no zeros in x) and wide enough for oneDNN's GEMMs: the products run in bf16.
  Autoencoder model(make_architecture(32, parse_layers("24:relu,16:sigmoid,24:relu,32:sigmoid")));
  Rng rng(6);
  model.initialize(Init::glorot_uniform, rng);
  model.set_precision(Precision::bf16);
  const std::size_t B = 20;
  std::vector<float> x(B * 32), dy(B * 32);
  for (auto& v : x) v = 0.1f + rng.uniform_float();
  for (auto& v : dy) v = rng.uniform_float() - 0.5f;
  const ConstMatrixView xv{x.data(), B, 32};
  const auto gradients = [&](Workspace<float>& ws) {
    std::vector<float> g(model.parameters().size(), 0.0f), dx(B * 32, 0.0f);
    MatrixView dxv{dx.data(), B, 32};
    model.backward(ConstMatrixView{dy.data(), B, 32}, ws, g, &dxv);
    g.insert(g.end(), dx.begin(), dx.end());
    return g;
  };
  Workspace<float> ws;
  model.forward(xv, 0, model.layer_count(), ws);
  const std::vector<float> expected = gradients(ws);
  // Weights changed after the forward pass do not reach its backward pass: it is the
  // gradient of the pass that ran.
  model.forward(xv, 0, model.layer_count(), ws);
  const std::vector<float> saved(model.parameters().begin(), model.parameters().end());
  for (float& p : model.parameters()) p *= 1.5f;
  EXPECT_EQ(gradients(ws), expected);
  std::copy(saved.begin(), saved.end(), model.parameters().begin());
  // A bf16 backward pass after an fp32 forward pass has no rounded inputs to read.
  model.set_precision(Precision::fp32);
  model.forward(xv, 0, model.layer_count(), ws);
  model.set_precision(Precision::bf16);
  EXPECT_EQ(kind_of([&] { gradients(ws); }), ErrorKind::internal);
}

TEST(Autoencoder, Bf16TakesTheSparsePathOnlyBelowItsLowerDensity) {
  AE_SKIP_WITHOUT_BF16();
  Autoencoder model(make_architecture(64, parse_layers("48:relu,4:sigmoid,48:relu,64:sigmoid")));
  Rng rng(9);
  model.initialize(Init::he_uniform, rng);
  const std::size_t B = 20, D = 64;
  // Exactly `percent` of the inputs nonzero: 10% and 20% both take the fp32 sparse path,
  // which allows 30%; in bf16 only 10% does (the limit is 14%).
  const auto input = [&](std::size_t percent) {
    std::vector<float> x(B * D, 0.0f);
    for (std::size_t i = 0; i < B * D * percent / 100; ++i) x[i * 100 / percent] = 0.5f + 0.5f * rng.uniform_float();
    return x;
  };
  for (const std::size_t percent : {10, 20}) {
    const std::vector<float> x = input(percent);
    const ConstMatrixView xv{x.data(), B, D};
    Workspace<float> ws;
    model.set_precision(Precision::fp32);
    const auto fp32 = model.forward(xv, 0, model.layer_count(), ws);
    EXPECT_TRUE(ws.sparse.active) << percent << "%";
    const std::vector<float> y32(fp32.data, fp32.data + fp32.size());
    model.set_precision(Precision::bf16);
    const auto bf16 = model.forward(xv, 0, model.layer_count(), ws);
    EXPECT_EQ(ws.sparse.active, percent == 10) << percent << "%";
    for (std::size_t i = 0; i < B * D; ++i) ASSERT_NEAR(bf16.data[i], y32[i], 2e-2f) << percent << "% " << i;
    std::vector<float> grads(model.parameters().size(), 0.0f), dy(B * D, 0.01f);
    model.backward(ConstMatrixView{dy.data(), B, D}, ws, grads);
    for (float g : grads) ASSERT_TRUE(std::isfinite(g));
  }
}

TEST(Autoencoder, WrongInputWidthIsRejected) {
  Autoencoder model(make_architecture(6, parse_layers("2:sigmoid,6:sigmoid")));
  std::vector<float> x(5);
  EXPECT_EQ(kind_of([&] { model.forward({x.data(), 1, 5}); }), ErrorKind::usage);
}

}  // namespace
}  // namespace ae

namespace ae {
namespace {

TEST(DefaultLayers, FollowTheDocumentedRuleOfTheWidth) {
  const auto spec = [](std::size_t D, bool unit) { return make_architecture(D, default_layers(D, unit)).spec(); };
  EXPECT_EQ(spec(784, true), "64:relu,32:linear,64:relu,784:sigmoid");
  EXPECT_EQ(spec(30, false), "16:relu,8:linear,16:relu,30:linear");
  EXPECT_EQ(spec(13, false), "6:relu,3:linear,6:relu,13:linear");
  EXPECT_EQ(spec(64, true), "32:relu,16:linear,32:relu,64:sigmoid");
  EXPECT_EQ(spec(2, false), "2:relu,1:linear,2:relu,2:linear");
  EXPECT_EQ(spec(1, false), "1:relu,1:linear,1:relu,1:linear");
  for (std::size_t D : {3u, 13u, 30u, 64u, 200u, 784u, 5000u}) {
    const Architecture a = make_architecture(D, default_layers(D, false));
    EXPECT_EQ(a.bottleneck, 1u) << D;  // the embedding is the narrowest layer
    EXPECT_LE(a.embedding_width(), 32u) << D;
  }
  EXPECT_THROW(default_layers(0, false), Error);
}

TEST(InitAuto, IsHeForLayersThatReadOrGiveReluValuesAndGlorotElsewhere) {
  // Layers: relu (He), sigmoid reading relu (He), tanh reading sigmoid (Glorot), linear reading
  // tanh (Glorot). Same generator draws as the explicit initialisers, layer by layer.
  const Architecture arch = make_architecture(6, parse_layers("5:relu,4:sigmoid,3:tanh,6:linear"));
  Autoencoder automatic(arch), he(arch), glorot(arch);
  Rng a(9), b(9), c(9);
  automatic.initialize(Init::by_activation, a);
  he.initialize(Init::he_uniform, b);
  glorot.initialize(Init::glorot_uniform, c);
  const auto same = [](const Autoencoder& x, const Autoencoder& y, std::size_t l) {
    return std::equal(x.weight(l), x.weight(l) + x.weight_size(l), y.weight(l));
  };
  EXPECT_TRUE(same(automatic, he, 0));
  EXPECT_TRUE(same(automatic, he, 1));
  EXPECT_TRUE(same(automatic, glorot, 2));
  EXPECT_TRUE(same(automatic, glorot, 3));
  EXPECT_EQ(parse_init("auto"), Init::by_activation);
}

}  // namespace
}  // namespace ae
