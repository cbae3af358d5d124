// Each score kind written as the reduction an ONNX graph computes (ae/onnx.hpp's OnnxScore):
// the formulas of ScoreKind's comment, with the standardised kinds' weights computed where
// compute_scores computes them. Building the graph is io/'s work.
#include <cmath>
#include <string>

#include "ae/error.hpp"
#include "ae/onnx.hpp"
#include "ae/score.hpp"
#include "kernels/fast_math.hpp"
#include "score/score_detail.hpp"

namespace ae {

OnnxScore onnx_score(ScoreKind kind, const ScoreCalibration& cal, std::size_t D) {
  OnnxScore s;
  s.name = std::string(score_name(kind));
  if (complexity_corrected(kind)) {
    throw Error(ErrorKind::usage, "the " + s.name + " score divides by a compressed length, which ONNX cannot compute; "
                                  "export zsae or another score");
  }
  if (standardised(kind)) {
    if (cal.empty()) {
      throw Error(ErrorKind::usage, "the " + s.name + " score needs the model's score calibration, which it lacks");
    }
    if (cal.feature_mse.size() != D) {
      throw Error(ErrorKind::usage, "the score calibration has " + std::to_string(cal.feature_mse.size()) +
                                        " features but the model " + std::to_string(D));
    }
    s.weights = detail::standard_weights(cal, kind);
  }
  const double mean = 1.0 / static_cast<double>(D);
  using Term = OnnxScore::Term;
  switch (kind) {
    case ScoreKind::zsae: s.term = Term::abs; break;
    case ScoreKind::zsse: s.term = Term::square; break;
    case ScoreKind::sse: s.term = Term::square; break;
    case ScoreKind::mse: s.term = Term::square, s.scale = mean; break;
    case ScoreKind::mae: s.term = Term::abs, s.scale = mean; break;
    case ScoreKind::bce: s.term = Term::bce, s.scale = mean, s.bce_clip = kernels::kBceClip; break;
    case ScoreKind::max: s.term = Term::abs, s.reduce = OnnxScore::Reduce::max; break;
    case ScoreKind::zsae_ic:
    case ScoreKind::dual: break;  // refused above
    case ScoreKind::elbo:
    case ScoreKind::recprob:
      throw Error(ErrorKind::usage, "the " + s.name + " score is not exported to ONNX (it reads the variational embedding)");
  }
  return s;
}

}  // namespace ae
