#include "roofcast/fit/step_model.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "roofcast/common/error.hpp"

namespace roofcast::fit {
namespace {

struct Problem {
  const std::vector<Sample>* samples;
  const std::vector<std::int64_t>* steps;
  const RateBounds* bounds;
  const Terms* terms;  ///< the path's extra terms, whose parameters follow t0, P and B
  bool per_call;       ///< the overhead is paid per call
  bool bytes_only;     ///< no sample computes: the per-operator rates are bandwidths

  /// Parameters: t0, P, B, one rate per operator, then t_loop, t_gather, the
  /// alias slowdown, B_far, the edge slowdown, t_split and S when fitted.
  std::size_t loop_index() const { return 3 + terms->ops.size(); }
  std::size_t gather_index() const { return loop_index() + (terms->loop_term ? 1 : 0); }
  std::size_t alias_index() const { return gather_index() + (terms->gather_term ? 1 : 0); }
  std::size_t far_index() const { return alias_index() + (terms->alias_bytes > 0 ? 1 : 0); }
  std::size_t edge_index() const { return far_index() + (terms->private_cache_bytes > 0.0 ? 1 : 0); }
  /// t_split, then S.
  std::size_t split_index() const { return edge_index() + (terms->edge_term ? 1 : 0); }
  std::size_t parameter_count() const { return split_index() + (terms->split_term ? 2 : 0); }
};

/// A rate within [lo, hi] on a log scale from an unbounded parameter (a logistic map), and back.
double bounded(double x, double lo, double hi) {
  const double a = std::log(lo);
  const double b = std::log(hi);
  return std::exp(a + (b - a) / (1.0 + std::exp(-x)));
}
double unbounded(double value, double lo, double hi) {
  const double a = std::log(lo);
  const double b = std::log(hi);
  const double t = std::clamp((std::log(value) - a) / (b - a), 1e-6, 1.0 - 1e-6);
  return std::log(t / (1.0 - t));
}

/// The lowest bandwidth the bytes beyond the private caches may take (within the class's range).
double far_floor(const RateBounds& bounds) {
  return std::clamp(bounds.min_far_bytes_per_s, bounds.min_bytes_per_s, bounds.max_bytes_per_s * 0.5);
}

/// The least speedup a split may fit (its range's lower end on the log scale; 1 would be no split).
constexpr double kLeastSplitSpeedup = 1.01;

StepModel model_from(const gsl_vector* x, const Problem& p) {
  const auto& steps = *p.steps;
  const auto& bounds = *p.bounds;
  const auto& ops = p.terms->ops;
  const bool per_call = p.per_call;
  const bool bytes_only = p.bytes_only;
  StepModel m;
  m.steps = steps;
  m.threads = p.terms->threads;
  m.partition_blocks = p.terms->partition_blocks;
  m.overhead_per_call = per_call;
  m.overhead_s = std::exp(gsl_vector_get(x, 0));
  m.flops_per_s = bounded(gsl_vector_get(x, 1), bounds.min_flops_per_s, bounds.max_flops_per_s);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (bytes_only) {
      m.op_bytes_per_s[ops[i]] = bounded(gsl_vector_get(x, 3 + i), bounds.min_bytes_per_s, bounds.max_bytes_per_s);
    } else {
      m.op_flops_per_s[ops[i]] = bounded(gsl_vector_get(x, 3 + i), bounds.min_flops_per_s, bounds.max_flops_per_s);
    }
  }
  m.bytes_per_s = bounded(gsl_vector_get(x, 2), bounds.min_bytes_per_s, bounds.max_bytes_per_s);
  if (p.terms->loop_term) {
    m.loop_s = std::exp(gsl_vector_get(x, p.loop_index()));
  }
  if (p.terms->gather_term) {
    m.gather_s = std::exp(gsl_vector_get(x, p.gather_index()));
  }
  if (p.terms->alias_bytes > 0) {
    m.alias_bytes = p.terms->alias_bytes;
    m.alias_slowdown = std::exp(gsl_vector_get(x, p.alias_index()));
  }
  if (p.terms->private_cache_bytes > 0.0) {
    m.private_cache_bytes = p.terms->private_cache_bytes;
    (p.terms->far_wait ? m.far_wait_bytes_per_s : m.far_bytes_per_s) =
        bounded(gsl_vector_get(x, p.far_index()), far_floor(bounds), bounds.max_bytes_per_s);
  }
  if (p.terms->edge_term) {
    m.edge_slowdown = std::exp(gsl_vector_get(x, p.edge_index()));
    m.edge_block = p.terms->edge_block;
  }
  if (p.terms->split_term) {
    m.split_s = std::exp(gsl_vector_get(x, p.split_index()));
    m.split_speedup = bounded(gsl_vector_get(x, p.split_index() + 1), kLeastSplitSpeedup, m.threads);
    m.serial_ops = p.terms->serial_ops;
  }
  return m;
}

/// Relative residuals (predicted − measured) / measured: least squares on them minimizes RMSPE.
int residuals(const gsl_vector* x, void* data, gsl_vector* f) {
  const auto& problem = *static_cast<const Problem*>(data);
  const StepModel m = model_from(x, problem);
  for (std::size_t i = 0; i < problem.samples->size(); ++i) {
    const Sample& s = (*problem.samples)[i];
    gsl_vector_set(f, i, (m.predict_s(s) - s.time_s) / s.time_s);
  }
  return GSL_SUCCESS;
}

/// One Levenberg–Marquardt solve from `start`; returns the model and its cost (Σ r²).
std::pair<StepModel, double> solve(const std::vector<Sample>& samples, const std::vector<std::int64_t>& steps,
                                   const StepModel& start, const RateBounds& bounds, const Terms& terms,
                                   bool per_call, bool bytes_only) {
  Problem problem{&samples, &steps, &bounds, &terms, per_call, bytes_only};
  const std::size_t parameter_count = problem.parameter_count();
  const auto& ops = terms.ops;
  gsl_multifit_nlinear_fdf fdf{};
  fdf.f = residuals;
  fdf.df = nullptr;  // finite differences: the max() has a kink an analytic Jacobian gains nothing on
  fdf.fvv = nullptr;
  fdf.n = samples.size();
  fdf.p = parameter_count;
  fdf.params = &problem;
  gsl_multifit_nlinear_parameters parameters = gsl_multifit_nlinear_default_parameters();
  if (fdf.n < fdf.p) {
    return {start, std::numeric_limits<double>::infinity()};  // GSL needs as many residuals as parameters
  }
  gsl_multifit_nlinear_workspace* work =
      gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &parameters, fdf.n, fdf.p);
  gsl_vector* x = gsl_vector_alloc(parameter_count);
  gsl_vector_set(x, 0, std::log(start.overhead_s));
  gsl_vector_set(x, 1, unbounded(start.flops_per_s, bounds.min_flops_per_s, bounds.max_flops_per_s));
  gsl_vector_set(x, 2, unbounded(start.bytes_per_s, bounds.min_bytes_per_s, bounds.max_bytes_per_s));
  for (std::size_t i = 0; i < ops.size(); ++i) {
    gsl_vector_set(x, 3 + i,
                   bytes_only ? unbounded(start.bytes_per_s_for(ops[i]), bounds.min_bytes_per_s, bounds.max_bytes_per_s)
                              : unbounded(start.flops_per_s_for(ops[i]), bounds.min_flops_per_s, bounds.max_flops_per_s));
  }
  if (terms.loop_term) {
    gsl_vector_set(x, problem.loop_index(), std::log(start.loop_s));
  }
  if (terms.gather_term) {
    gsl_vector_set(x, problem.gather_index(), std::log(start.gather_s));
  }
  if (terms.alias_bytes > 0) {
    gsl_vector_set(x, problem.alias_index(), std::log(start.alias_slowdown));
  }
  if (terms.private_cache_bytes > 0.0) {
    gsl_vector_set(x, problem.far_index(),
                   unbounded(terms.far_wait ? start.far_wait_bytes_per_s : start.far_bytes_per_s, far_floor(bounds),
                             bounds.max_bytes_per_s));
  }
  if (terms.edge_term) {
    gsl_vector_set(x, problem.edge_index(), std::log(start.edge_slowdown));
  }
  if (terms.split_term) {
    gsl_vector_set(x, problem.split_index(), std::log(start.split_s));
    gsl_vector_set(x, problem.split_index() + 1, unbounded(start.split_speedup, kLeastSplitSpeedup, terms.threads));
  }
  gsl_multifit_nlinear_init(x, &fdf, work);
  int info = 0;
  gsl_multifit_nlinear_driver(200, 1e-10, 1e-10, 1e-12, nullptr, nullptr, &info, work);
  const StepModel model = model_from(gsl_multifit_nlinear_position(work), problem);
  double cost = 0.0;
  gsl_blas_ddot(gsl_multifit_nlinear_residual(work), gsl_multifit_nlinear_residual(work), &cost);
  gsl_vector_free(x);
  gsl_multifit_nlinear_free(work);
  if (!std::isfinite(cost) || !has_finite_parameters(model)) {
    cost = std::numeric_limits<double>::infinity();  // diverged: never the best start
  }
  return {model, cost};
}

/// A form with one more term or path is kept only where its held-out error
/// comes under this share of the simpler form's.
constexpr double kClearlyBetter = 0.9;

/// Whether held-out error `error` is clearly below `than` (kClearlyBetter).
bool clearly_below(double error, double than) { return error < than * kClearlyBetter; }

double median_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

void check_samples(const std::vector<Sample>& samples, std::size_t min_points) {
  if (samples.size() < min_points) {
    throw FitError("too few points to fit: " + std::to_string(samples.size()) + " given, at least " +
                   std::to_string(min_points) + " needed");
  }
  const std::size_t rank = samples.front().dims.size();
  std::set<std::pair<double, double>> distinct;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const Sample& s = samples[i];
    if (s.dims.size() != rank) {
      throw FitError("point " + std::to_string(i) + " has " + std::to_string(s.dims.size()) +
                     " dimensions, the first has " + std::to_string(rank));
    }
    if (!(s.time_s > 0.0) || !std::isfinite(s.time_s) || s.work_factor < 0.0 || s.bytes < 0.0) {
      throw FitError("point " + std::to_string(i) + " has a non-positive time or a negative work or byte count");
    }
    if (s.weight_bytes < 0.0 || s.weight_bytes > s.bytes) {
      throw FitError("point " + std::to_string(i) + " has weight bytes outside 0 to its bytes");
    }
    for (const auto d : s.dims) {
      if (d <= 0) {
        throw FitError("point " + std::to_string(i) + " has a non-positive dimension");
      }
    }
    StepModel unit;
    unit.steps.assign(rank, 1);
    distinct.emplace(unit.work(s), s.bytes);
  }
  if (distinct.size() < 3) {
    throw FitError("degenerate points: only " + std::to_string(distinct.size()) +
                   " distinct (work, bytes) pairs; the overhead, throughput and bandwidth cannot be told apart");
  }
}

/// Whether `samples` can pin down three parameters: enough points, 3+ distinct (work, bytes).
bool fittable(const std::vector<Sample>& samples, const std::vector<std::int64_t>& steps, std::size_t min_points) {
  if (samples.size() < min_points) {
    return false;
  }
  StepModel shape;
  shape.steps = steps;
  std::set<std::pair<double, double>> distinct;
  for (const auto& s : samples) {
    distinct.emplace(shape.work(s), s.bytes);
  }
  return distinct.size() >= 3;
}

/// Where a slow path applies: kernels whose dimension `dim` is not a multiple of `align` (0: none).
struct Alignment {
  std::int64_t align = 0;
  std::size_t dim = 0;

  /// The samples that take the fast path, and those that take the slow one.
  std::pair<std::vector<Sample>, std::vector<Sample>> split(const std::vector<Sample>& samples) const {
    std::pair<std::vector<Sample>, std::vector<Sample>> paths;
    for (const auto& s : samples) {
      (misses_alignment(s, align, dim) ? paths.second : paths.first).push_back(s);
    }
    return paths;
  }
};

/// A model that says only which rows alias at `span` bytes (StepModel::aliases).
StepModel aliasing_at(std::int64_t span) {
  StepModel m;
  m.alias_bytes = span;
  return m;
}

// The points each term that applies to some points only applies to: one
// rule a term, for counting its points and for judging it on them.

/// A point whose rows alias at `span` bytes (StepModel::aliases).
std::function<bool(const Sample&)> rows_alias_at(std::int64_t span) {
  return [aliasing = aliasing_at(span)](const Sample& s) { return aliasing.aliases(s); };
}

/// A point whose bytes outgrow `cache` bytes (StepModel::far_bytes).
std::function<bool(const Sample&)> outgrows(double cache) {
  return [cache](const Sample& s) { return s.streamed_bytes() > cache; };
}

/// A point that runs inner loops (StepModel::loop_s).
bool runs_loops(const Sample& s) { return s.loops > 1.0; }

/// A point that gathers elements (StepModel::gather_s: an im2col's).
bool gathers_elements(const Sample& s) { return s.gathers > 0.0; }

std::size_t count_where(const std::vector<Sample>& samples, const std::function<bool(const Sample&)>& rule) {
  return static_cast<std::size_t>(std::count_if(samples.begin(), samples.end(), rule));
}

/// The operators among `ops` with at least two of `samples`: a rate with
/// fewer points (in a cross-validation fold) is not determined.
std::vector<std::string> present_ops(const std::vector<Sample>& samples, const std::vector<std::string>& ops) {
  std::vector<std::string> present;
  for (const auto& op : ops) {
    if (std::count_if(samples.begin(), samples.end(), [&](const Sample& s) { return s.op == op; }) >= 2) {
      present.push_back(op);
    }
  }
  return present;
}

/// A form's shape: its steps, and where a slow path applies and its own steps.
struct Form {
  std::vector<std::int64_t> steps;
  Alignment alignment;
  std::vector<std::int64_t> slow_steps;  ///< when alignment.align > 0
};

/// The operators `terms` names with points on `path`, and its other terms.
Terms with_present_ops(const Terms& terms, const std::vector<Sample>& path) {
  Terms present = terms;
  present.ops = present_ops(path, terms.ops);
  return present;
}

/// The block a blocked kernel's calls take their filters in, as a form shows
/// it: the fast path's alignment where it is on dimension 0, else a step of
/// dimension 0 above 1; 0 where the form shows none.
std::int64_t filter_block(const std::vector<std::int64_t>& steps, const Alignment& alignment) {
  if (alignment.align > 0 && alignment.dim == 0) {
    return alignment.align;
  }
  return !steps.empty() && steps[0] > 1 ? steps[0] : 0;
}

// Of two paths, the plain (slow) one gathers: a library's blocked fast path
// reads its input in place, without an im2col (ONNX Runtime's NCHWc
// convolution), so neither its elements (gathers) nor its rows (the loops of
// a kernel that gathers) cost there. The slow path takes no rates per
// operator (its points are a plain convolution's), loops where the fast path
// does or where its points gather, and pays its overhead per call.
bool any_gathers(const std::vector<Sample>& samples) {
  return std::any_of(samples.begin(), samples.end(), gathers_elements);
}

StepModel fit_fast_path(const std::vector<Sample>& fast, const std::vector<std::int64_t>& steps,
                        const RateBounds& bounds, const Terms& terms, const Alignment& alignment) {
  Terms fast_terms = with_present_ops(terms, fast);
  fast_terms.gather_term = false;
  fast_terms.loop_term = terms.loop_term && !any_gathers(fast);
  fast_terms.edge_block = filter_block(steps, alignment);
  return fit_fixed_steps(fast, steps, bounds, fast_terms);
}

StepModel fit_slow_path(const std::vector<Sample>& slow, const std::vector<std::int64_t>& steps,
                        const RateBounds& bounds, const Terms& terms) {
  Terms slow_terms;
  slow_terms.gather_term = terms.gather_term;
  slow_terms.loop_term = terms.loop_term;
  return fit_fixed_steps(slow, steps, bounds, slow_terms, /*overhead_per_call=*/true);
}

/// Which of a form's points a fit or a held-out error covers.
enum class Path { kOne, kFast, kSlow };

/// Fits `steps` to the points of `path`: a model of one path, or a fast or a slow path.
StepModel fit_path(Path path, const std::vector<Sample>& points, const std::vector<std::int64_t>& steps,
                   const RateBounds& bounds, const Terms& terms, const Alignment& alignment) {
  switch (path) {
    case Path::kFast: return fit_fast_path(points, steps, bounds, terms, alignment);
    case Path::kSlow: return fit_slow_path(points, steps, bounds, terms);
    case Path::kOne: break;
  }
  Terms one = with_present_ops(terms, points);
  one.edge_block = filter_block(steps, Alignment{});
  return fit_fixed_steps(points, steps, bounds, one);
}

/// Fits one path (align = 0), or the fast and slow paths separately, each on its own steps.
StepModel fit_form(const std::vector<Sample>& samples, const Form& form, const RateBounds& bounds,
                   const Terms& terms) {
  if (form.alignment.align == 0) {
    return fit_path(Path::kOne, samples, form.steps, bounds, terms, form.alignment);
  }
  const auto [fast, slow] = form.alignment.split(samples);
  StepModel model = fit_path(Path::kFast, fast, form.steps, bounds, terms, form.alignment);
  const StepModel slow_model = fit_path(Path::kSlow, slow, form.slow_steps, bounds, terms, form.alignment);
  model.align = form.alignment.align;
  model.align_dim = form.alignment.dim;
  model.slow_steps = form.slow_steps;
  model.slow_overhead_s = slow_model.overhead_s;
  model.slow_flops_per_s = slow_model.flops_per_s;
  model.slow_bytes_per_s = slow_model.bytes_per_s;
  model.slow_gather_s = slow_model.gather_s;
  model.slow_loop_s = slow_model.loop_s;
  return model;
}

/// A held-out point's |ln(predicted / measured)| counts at most this much in
/// model selection (a miss by 2×). A fold can leave a parameter undetermined —
/// the bandwidth of a path whose one memory-bound point is held out — and that
/// single point's extrapolation, off by 3.6× in the grouped convolutions of a
/// calibration on this machine, would otherwise outweigh the other 26 and keep
/// a form off that predicts them to 7 %.
constexpr double kMaxHeldoutLogError = 0.6931471805599453;  // ln 2

/// Held-out error of a form: the RMS of ln(predicted / measured), each capped
/// at kMaxHeldoutLogError, which model selection compares (symmetric: a fold
/// that overshoots 5× counts as much as one that undershoots 5×, where a
/// relative error would weigh it 16× more), and the RMSPE (%) reported.
/// Infinity when a fold cannot fit the form.
struct Heldout {
  double log_rms = std::numeric_limits<double>::infinity();
  double rmspe_percent = std::numeric_limits<double>::infinity();
};

/// The sums a held-out error is made of, over a form's points or one path's:
/// the two paths of a form are fitted apart, so a form's sums are its paths'.
struct HeldoutSums {
  double log_squares = 0.0;
  double squares = 0.0;
  std::size_t count = 0;
  bool fitted = true;  ///< false when a fold could not fit
  /// The log sums of the marked points alone (those a term under test applies to).
  double marked_log_squares = 0.0;
  std::size_t marked_count = 0;

  void add(double predicted, double measured, bool marked) {
    const double e = (predicted - measured) / measured;
    const double l = std::min(std::abs(std::log(std::max(predicted, 1e-15) / measured)), kMaxHeldoutLogError);
    squares += e * e;
    log_squares += l * l;
    ++count;
    if (marked) {
      marked_log_squares += l * l;
      ++marked_count;
    }
  }
  HeldoutSums operator+(const HeldoutSums& other) const {
    return {log_squares + other.log_squares, squares + other.squares,           count + other.count,
            fitted && other.fitted,          marked_log_squares + other.marked_log_squares,
            marked_count + other.marked_count};
  }
  /// The RMS of ln(predicted / measured) over the marked points; infinity when a fold could not fit.
  double marked_log_rms() const {
    if (!fitted) {
      return std::numeric_limits<double>::infinity();
    }
    return std::sqrt(marked_log_squares / static_cast<double>(std::max<std::size_t>(1, marked_count)));
  }
  Heldout error() const {
    if (!fitted) {
      return {};
    }
    const double n = static_cast<double>(std::max<std::size_t>(1, count));
    return {std::sqrt(log_squares / n), 100.0 * std::sqrt(squares / n)};
  }
};

/// SplitMix64's finalizer: a fixed, platform-independent scramble of `x`.
std::uint64_t scramble(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31U);
}

/// The fold of each of `count` samples in cross-validation `repeat`: the
/// first takes i mod folds, each other a fixed shuffle dealt round-robin (so
/// the folds stay balanced). The same on every platform.
std::vector<int> fold_assignment(std::size_t count, int folds, int repeat) {
  std::vector<std::size_t> order(count);
  for (std::size_t i = 0; i < count; ++i) {
    order[i] = i;
  }
  if (repeat > 0) {
    const auto key = [repeat](std::size_t i) {
      return scramble(static_cast<std::uint64_t>(i) ^ (static_cast<std::uint64_t>(repeat) << 32U));
    };
    std::sort(order.begin(), order.end(), [&key](std::size_t a, std::size_t b) { return key(a) < key(b); });
  }
  std::vector<int> fold(count);
  for (std::size_t position = 0; position < count; ++position) {
    fold[order[position]] = static_cast<int>(position % static_cast<std::size_t>(folds));
  }
  return fold;
}

/// The cross-validations every form is scored by: `folds` folds, and each
/// sample's fold in each repeat. Computed once for a class's samples.
struct CrossValidation {
  int folds = 0;
  std::vector<std::vector<int>> fold_of;  ///< per repeat, per sample
};

CrossValidation cross_validation(std::size_t count, int folds, int repeats) {
  CrossValidation cv{folds, {}};
  for (int repeat = 0; repeat < repeats; ++repeat) {
    cv.fold_of.push_back(fold_assignment(count, folds, repeat));
  }
  return cv;
}

/// The held-out sums of fitting `steps` to the points of `path` (all of them
/// for Path::kOne; else those `alignment` sends down that path); the points
/// `marked` holds for are summed apart too.
HeldoutSums heldout_sums(const std::vector<Sample>& samples, const std::vector<std::int64_t>& steps,
                         Alignment alignment, Path path, const CrossValidation& cv, std::size_t min_points,
                         const RateBounds& bounds, const Terms& terms,
                         const std::function<bool(const Sample&)>& marked) {
  std::vector<Sample> points;
  std::vector<std::size_t> index;  // each point's position in `samples`, whose folds they keep
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const bool slow = misses_alignment(samples[i], alignment.align, alignment.dim);
    if (path == Path::kOne || slow == (path == Path::kSlow)) {
      points.push_back(samples[i]);
      index.push_back(i);
    }
  }
  HeldoutSums sums;
  for (const auto& fold_of : cv.fold_of) {
    for (int fold = 0; fold < cv.folds; ++fold) {
      std::vector<Sample> train;
      std::vector<Sample> test;
      for (std::size_t j = 0; j < points.size(); ++j) {
        (fold_of[index[j]] == fold ? test : train).push_back(points[j]);
      }
      if (path != Path::kOne && !fittable(train, steps, min_points / 2)) {
        sums.fitted = false;
        return sums;
      }
      const StepModel model = fit_path(path, train, steps, bounds, terms, alignment);
      for (const auto& s : test) {
        sums.add(model.predict_s(s), s.time_s, marked && marked(s));
      }
    }
  }
  return sums;
}

/// Each named operator's number of samples (a sample without an operator is not counted).
std::map<std::string, std::size_t> operator_counts(const std::vector<Sample>& samples) {
  std::map<std::string, std::size_t> counts;
  for (const auto& s : samples) {
    if (!s.op.empty()) {
      ++counts[s.op];
    }
  }
  return counts;
}

/// The operators that may take a throughput of their own: with at least
/// `min_points` samples each, when the samples hold two operators or more; the
/// most common operator (the first by name on a tie) keeps the class's.
std::vector<std::string> own_rate_operators(const std::vector<Sample>& samples, std::size_t min_points) {
  const std::map<std::string, std::size_t> counts = operator_counts(samples);
  if (counts.size() < 2) {
    return {};
  }
  const auto most = std::max_element(counts.begin(), counts.end(),
                                     [](const auto& a, const auto& b) { return a.second < b.second; });
  std::vector<std::string> ops;
  for (const auto& [op, count] : counts) {
    if (op != most->first && count >= min_points) {
      ops.push_back(op);
    }
  }
  return ops;
}

}  // namespace

double rmspe_percent(const StepModel& model, const std::vector<Sample>& samples) {
  if (samples.empty()) {
    return 0.0;
  }
  double squares = 0.0;
  for (const auto& s : samples) {
    const double e = (model.predict_s(s) - s.time_s) / s.time_s;
    squares += e * e;
  }
  return 100.0 * std::sqrt(squares / static_cast<double>(samples.size()));
}

StepModel fit_fixed_steps(const std::vector<Sample>& samples, const std::vector<std::int64_t>& steps,
                          const RateBounds& bounds, const Terms& requested, bool overhead_per_call) {
  // A cost per loop (gathered element) only with two points of several loops
  // (that gather) or more; an alias slowdown only with two points whose rows
  // alias and two whose rows do not; rates per operator only with more points
  // than parameters (and two to spare).
  std::vector<double> time_per_loop;
  std::vector<double> time_per_gather;
  for (const auto& s : samples) {
    if (runs_loops(s)) {
      time_per_loop.push_back(s.time_s / s.loops);
    }
    if (gathers_elements(s)) {
      time_per_gather.push_back(s.time_s / s.gathers);
    }
  }
  Terms terms;
  terms.threads = requested.threads;
  terms.partition_blocks = requested.partition_blocks;
  terms.loop_term = requested.loop_term && time_per_loop.size() >= 2;
  terms.gather_term = requested.gather_term && time_per_gather.size() >= 2;
  if (requested.alias_bytes > 0) {
    const std::size_t aliased = count_where(samples, rows_alias_at(requested.alias_bytes));
    if (aliased >= 2 && samples.size() - aliased >= 2) {
      terms.alias_bytes = requested.alias_bytes;
    }
  }
  if (requested.private_cache_bytes > 0.0) {
    const std::size_t beyond = count_where(samples, outgrows(requested.private_cache_bytes));
    if (beyond >= 2 && samples.size() - beyond >= 2) {
      terms.private_cache_bytes = requested.private_cache_bytes;
      terms.far_wait = requested.far_wait;
    }
  }
  // An edge slowdown only with a block and two points of one block per call
  // with different edge shares, one of them above 0.
  if (requested.edge_term && requested.edge_block > 0) {
    StepModel blocked;  // one path: which samples a call of one filter block computes
    blocked.edge_block = requested.edge_block;
    std::set<double> shares;
    for (const auto& s : samples) {
      if (blocked.one_block_per_call(s)) {
        shares.insert(s.edge_share);
      }
    }
    terms.edge_term = shares.size() >= 2 && *shares.rbegin() > 0.0;
    terms.edge_block = terms.edge_term ? requested.edge_block : 0;
  }
  // A split among the threads only on several threads, with points enough for its two parameters.
  if (requested.split_term && requested.threads > 1 && samples.size() >= 4) {
    terms.split_term = true;
    terms.serial_ops = requested.serial_ops;
  }
  const std::size_t timed_parameters = (terms.loop_term ? 1 : 0) + (terms.gather_term ? 1 : 0) +
                                       (terms.alias_bytes > 0 ? 1 : 0) + (terms.private_cache_bytes > 0.0 ? 1 : 0) +
                                       (terms.edge_term ? 1 : 0) + (terms.split_term ? 2 : 0);
  if (samples.size() >= 3 + timed_parameters + requested.ops.size() + 2) {
    terms.ops = requested.ops;
  }
  StepModel shape;
  shape.steps = steps;
  shape.threads = terms.threads;
  shape.partition_blocks = terms.partition_blocks;
  shape.edge_block = terms.edge_block;
  // A class whose points never compute fits its per-operator rates as bandwidths.
  const bool bytes_only =
      std::none_of(samples.begin(), samples.end(), [&](const Sample& s) { return shape.work(s) > 0.0; });
  std::vector<double> times;
  std::vector<double> compute_rates;
  std::vector<double> byte_rates;
  for (const auto& s : samples) {
    times.push_back(s.time_s);
    compute_rates.push_back(shape.work(s) / s.time_s);
    byte_rates.push_back(s.bytes / s.time_s);
  }
  // Starts: the rates the points imply, scaled both ways; the best end point wins.
  std::vector<double> calls;
  for (const auto& s : samples) {
    calls.push_back(overhead_per_call ? s.calls : 1.0);
  }
  // A per-call overhead starts from the shortest time shared among the median number of calls.
  const double t_min = *std::min_element(times.begin(), times.end()) / median_of(calls);
  const double p0 = std::max(1.0, 2.0 * median_of(compute_rates));
  const double b0 = std::max(1.0, 2.0 * median_of(byte_rates));
  // An operator with a rate of its own starts from the rate its points imply:
  // started at the class's, an operator bound by the other term stays there
  // (the max() gives its rate no gradient).
  std::map<std::string, double> op_p0;
  std::map<std::string, double> op_b0;
  for (const auto& op : terms.ops) {
    std::vector<double> own_compute;
    std::vector<double> own_bytes;
    for (std::size_t i = 0; i < samples.size(); ++i) {
      if (samples[i].op == op) {
        own_compute.push_back(compute_rates[i]);
        own_bytes.push_back(byte_rates[i]);
      }
    }
    if (!own_compute.empty()) {
      op_p0[op] = std::max(1.0, 2.0 * median_of(own_compute));
      op_b0[op] = std::max(1.0, 2.0 * median_of(own_bytes));
    }
  }
  StepModel best;
  double best_cost = std::numeric_limits<double>::infinity();
  struct Start {
    double overhead, compute, bandwidth;  // scales of t_min, p0, b0
  };
  for (const Start& s : {Start{0.5, 1.0, 1.0}, Start{0.1, 3.0, 0.3}, Start{0.1, 0.3, 3.0}, Start{0.9, 10.0, 10.0}}) {
    const double tp = s.overhead, pp = s.compute, bp = s.bandwidth;
    StepModel start = shape;
    start.overhead_s = std::max(1e-9, tp * t_min);
    start.flops_per_s = pp * p0;
    start.bytes_per_s = bp * b0;
    start.flops_per_s = std::clamp(start.flops_per_s, bounds.min_flops_per_s, bounds.max_flops_per_s);
    start.bytes_per_s = std::clamp(start.bytes_per_s, bounds.min_bytes_per_s, bounds.max_bytes_per_s);
    for (const auto& [op, rate] : op_p0) {
      start.op_flops_per_s[op] = std::clamp(pp * rate, bounds.min_flops_per_s, bounds.max_flops_per_s);
    }
    for (const auto& [op, rate] : op_b0) {
      start.op_bytes_per_s[op] = std::clamp(bp * rate, bounds.min_bytes_per_s, bounds.max_bytes_per_s);
    }
    // A loop (gathered element) starts at a tenth of the time per loop
    // (element) the points imply.
    start.loop_s = terms.loop_term ? std::max(1e-12, 0.1 * median_of(time_per_loop)) : 0.0;
    start.gather_s = terms.gather_term ? std::max(1e-15, 0.1 * median_of(time_per_gather)) : 0.0;
    // An alias slowdown starts at 5 %, the bandwidth beyond the private caches at half B's.
    start.alias_slowdown = terms.alias_bytes > 0 ? 0.05 : 0.0;
    // An output at a padded edge starts at twice a blocked one's work.
    start.edge_slowdown = terms.edge_term ? 1.0 : 0.0;
    start.far_bytes_per_s = std::clamp(0.5 * start.bytes_per_s, far_floor(bounds), bounds.max_bytes_per_s);
    // A wait for them starts at a byte's worth of B's time.
    start.far_wait_bytes_per_s = std::clamp(start.bytes_per_s, far_floor(bounds), bounds.max_bytes_per_s);
    // A split starts at the shortest point's time to hand out, nearly threads-fold.
    start.split_s = terms.split_term ? std::max(1e-9, t_min) : 0.0;
    start.split_speedup = terms.split_term ? std::max(kLeastSplitSpeedup * 1.1, 0.9 * terms.threads) : 0.0;
    const auto [model, cost] = solve(samples, steps, start, bounds, terms, overhead_per_call, bytes_only);
    if (cost < best_cost) {
      best_cost = cost;
      best = model;
    }
  }
  return best;
}

bool has_finite_parameters(const StepModel& m) {
  const auto ok = [](double v) { return std::isfinite(v) && v >= 0.0; };
  const auto rate = [](double v) { return std::isfinite(v) && v > 0.0; };
  bool all = ok(m.overhead_s) && rate(m.flops_per_s) && rate(m.bytes_per_s) && ok(m.loop_s) && ok(m.gather_s) &&
             ok(m.alias_slowdown) && ok(m.edge_slowdown) && ok(m.split_s) && ok(m.split_speedup) &&
             ok(m.slow_overhead_s) && ok(m.slow_gather_s) && ok(m.slow_loop_s) &&
             (m.private_cache_bytes <= 0.0 || rate(m.far_wait_bytes_per_s > 0.0 ? m.far_wait_bytes_per_s
                                                                                   : m.far_bytes_per_s)) &&
             (m.align == 0 || (rate(m.slow_flops_per_s) && rate(m.slow_bytes_per_s))) &&
             (m.direct_below == 0 ||
              (ok(m.direct_overhead_s) && rate(m.direct_flops_per_s) && rate(m.direct_bytes_per_s)));
  for (const auto* rates : {&m.op_flops_per_s, &m.op_bytes_per_s}) {
    for (const auto& [op, value] : *rates) {
      all = all && rate(value);
    }
  }
  return all;
}

namespace {

/// fit_step_model without a direct path: the form (steps, a slow path, the
/// terms) chosen by cross-validated error, then fitted on all samples.
FitResult fit_paths(const std::vector<Sample>& samples, const FitOptions& options) {
  check_samples(samples, options.min_points);
  gsl_set_error_handler_off();  // GSL reports through return codes; never abort the process
  const std::size_t rank = samples.front().dims.size();
  // Every combination of candidate steps over the dimensions.
  std::vector<std::vector<std::int64_t>> combinations = {{}};
  for (std::size_t d = 0; d < rank; ++d) {
    std::vector<std::vector<std::int64_t>> next;
    for (const auto& partial : combinations) {
      for (const auto step : options.candidate_steps) {
        auto extended = partial;
        extended.push_back(step);
        next.push_back(std::move(extended));
      }
    }
    combinations = std::move(next);
  }
  const int folds = std::max(2, std::min<int>(options.folds, static_cast<int>(samples.size()) / 2));
  const CrossValidation cv = cross_validation(samples.size(), folds, std::max(1, options.repeats));
  // Every combination of steps, with one path and with a slow path for each
  // dimension and block: the form with the smallest held-out error, preferring
  // smaller steps unless larger ones predict clearly better, and one path unless
  // a second one (three more parameters) predicts clearly better. The two
  // paths of a form are fitted apart, so each takes its own best steps.
  struct Candidate {
    Form form;
    HeldoutSums sums;
    double size = std::numeric_limits<double>::infinity();  ///< the product of the steps
  };
  const auto size_of = [](const std::vector<std::int64_t>& steps) {
    double size = 1.0;
    for (const auto step : steps) {
      size *= static_cast<double>(step);
    }
    return size;
  };
  const auto consider = [](Candidate& best, Candidate candidate) {
    const double best_error = best.sums.error().log_rms;
    const double error = candidate.sums.error().log_rms;
    const bool clearly_better = error < best_error * 0.98;
    const bool as_good_and_simpler = error <= best_error * 1.02 && candidate.size < best.size;
    if (clearly_better || as_good_and_simpler) {
      best = std::move(candidate);
    }
  };
  // The points a term under test applies to, whose held-out error is summed apart too.
  std::function<bool(const Sample&)> marked;
  const auto sums_of = [&](const std::vector<std::int64_t>& steps, Alignment alignment, Path path,
                           const Terms& terms) {
    return heldout_sums(samples, steps, alignment, path, cv, options.min_points, options.bounds, terms, marked);
  };
  // A form's held-out sums again (with the marked points of now).
  const auto rescore = [&](const Form& form, const Terms& terms) {
    if (form.alignment.align == 0) {
      return sums_of(form.steps, Alignment{}, Path::kOne, terms);
    }
    return sums_of(form.steps, form.alignment, Path::kFast, terms) +
           sums_of(form.slow_steps, form.alignment, Path::kSlow, terms);
  };
  const HeldoutSums unfitted{0.0, 0.0, 0, false};
  const auto search = [&](const Terms& terms) {
    Candidate one_path{{combinations.front(), {}, {}}, unfitted};
    for (const auto& steps : combinations) {
      consider(one_path, {{steps, {}, {}}, sums_of(steps, Alignment{}, Path::kOne, terms), size_of(steps)});
    }
    Candidate two_paths = {one_path.form, unfitted};
    for (std::size_t dim = 0; dim < rank; ++dim) {
      for (const std::int64_t align : options.candidate_alignments) {
        const Alignment alignment{align, dim};
        Candidate fast{{combinations.front(), alignment, {}}, unfitted};
        Candidate slow = fast;
        for (const auto& steps : combinations) {
          consider(fast, {{steps, alignment, {}}, sums_of(steps, alignment, Path::kFast, terms), size_of(steps)});
          consider(slow, {{steps, alignment, {}}, sums_of(steps, alignment, Path::kSlow, terms), size_of(steps)});
        }
        consider(two_paths, {{fast.form.steps, alignment, slow.form.steps}, fast.sums + slow.sums,
                             fast.size * slow.size});
      }
    }
    return clearly_below(two_paths.sums.error().log_rms, one_path.sums.error().log_rms) ? two_paths : one_path;
  };
  // Then, for a class of several operators, a throughput per operator (the
  // most common one keeps the class's P) must predict clearly better too.
  Terms terms;
  Candidate chosen = search(terms);
  // Each extra term is kept only when it predicts held-out points clearly better.
  const auto try_terms = [&](const Terms& more) {
    Candidate candidate = search(more);
    if (clearly_below(candidate.sums.error().log_rms, chosen.sums.error().log_rms)) {
      chosen = std::move(candidate);
      terms = more;
    }
  };
  const std::vector<std::string> ops = own_rate_operators(samples, options.min_op_points);
  if (!ops.empty()) {
    Terms own_rates;
    own_rates.ops = ops;
    try_terms(own_rates);
  }
  // A term that applies to some points only (`applies`) is judged on them:
  // the form with it is kept when it predicts those points clearly better
  // and all no worse (judged on all points alone, a term of a few points
  // could never be clearly better), or, where `or_all_better`, when it
  // predicts all points clearly better, as the terms above.
  const auto judged_on_its_points = [&](const Terms& more, std::function<bool(const Sample&)> applies,
                                        bool or_all_better) -> std::optional<Candidate> {
    marked = std::move(applies);
    Candidate candidate = search(more);
    const HeldoutSums without = rescore(chosen.form, terms);
    marked = nullptr;
    const double error = candidate.sums.error().log_rms;
    const bool better_on_all = clearly_below(error, without.error().log_rms);
    const bool better_where_it_applies =
        clearly_below(candidate.sums.marked_log_rms(), without.marked_log_rms()) && error <= without.error().log_rms;
    if ((or_all_better && better_on_all) || better_where_it_applies) {
      return candidate;
    }
    return std::nullopt;
  };
  // And, for points of which some run inner loops (per channel, per GEMM of a
  // batch), a cost per loop (few points loop in a gemm class: attention's
  // products).
  const std::size_t looping = count_where(samples, runs_loops);
  const auto try_loops = [&] {
    if (looping >= options.min_op_points && !terms.loop_term) {
      // (Elementwise classes, whose loops are many, kept it on all points before it applied to gemm.)
      Terms more;
      more.ops = terms.ops;
      more.loop_term = true;
      more.gather_term = terms.gather_term;
      if (auto candidate = judged_on_its_points(more, runs_loops, true)) {
        chosen = std::move(*candidate);
        terms = more;
      }
    }
  };
  try_loops();
  // And, for points of which some gather elements (a grouped convolution's
  // im2col), a cost per element; then a cost per loop again, if it was not
  // kept (an im2col's rows and elements: the elements alone explain more).
  const std::size_t gathering = count_where(samples, gathers_elements);
  if (gathering >= options.min_op_points) {
    Terms more;
    more.ops = terms.ops;
    more.loop_term = terms.loop_term;
    more.gather_term = true;
    try_terms(more);
    try_loops();
  }
  // And, on several threads, a kernel split among them where that is faster
  // (a runtime runs a small kernel on one thread); then, operator by
  // operator, whether the runtime runs it on one thread at any size.
  if (options.threads > 1) {
    Terms split = terms;
    split.threads = options.threads;
    split.split_term = true;
    try_terms(split);
    if (terms.split_term) {
      for (const auto& [op, count] : operator_counts(samples)) {
        if (count < options.min_op_points) {
          continue;
        }
        Terms serial = terms;
        serial.serial_ops.push_back(op);
        if (auto candidate = judged_on_its_points(serial, [op = op](const Sample& s) { return s.op == op; }, true)) {
          chosen = std::move(*candidate);
          terms = serial;
        }
      }
    }
  }
  // And, on several threads, for points whose work is split by rows, items of a few blocks.
  const bool split_by_rows = std::any_of(samples.begin(), samples.end(), [](const Sample& s) { return s.rows > 0.0; });
  if (options.threads > 1 && split_by_rows) {
    Terms best_split;
    Candidate best_candidate{{}, unfitted};
    for (const std::int64_t blocks : options.candidate_partitions) {
      Terms split = terms;
      split.threads = options.threads;
      split.partition_blocks = blocks;
      Candidate candidate = search(split);
      if (candidate.sums.error().log_rms < best_candidate.sums.error().log_rms) {
        best_candidate = std::move(candidate);
        best_split = split;
      }
    }
    if (clearly_below(best_candidate.sums.error().log_rms, chosen.sums.error().log_rms)) {
      chosen = std::move(best_candidate);
      terms = best_split;
    }
  }
  // Of several such candidates, the one that predicts all points best.
  struct Judged {
    Candidate candidate;
    Terms terms;
  };
  const auto keep_best = [&](std::optional<Judged>& best, std::optional<Candidate> candidate, const Terms& more) {
    if (candidate && (!best || candidate->sums.error().log_rms < best->candidate.sums.error().log_rms)) {
      best = Judged{std::move(*candidate), more};
    }
  };
  const auto choose = [&](std::optional<Judged>& best) {
    if (best) {
      chosen = std::move(best->candidate);
      terms = best->terms;
    }
  };
  // Of the candidate values of a term that applies to some points only, the
  // one whose form predicts all points best, among those judged better on
  // the points it applies to (a value needs enough points with and without it).
  const auto best_of = [&](const auto& values, const auto& with, const auto& applies_at) {
    std::optional<Judged> best;
    for (const auto value : values) {
      const auto applies = applies_at(value);
      const std::size_t count = count_where(samples, applies);
      if (value <= 0 || count < options.min_op_points || samples.size() - count < options.min_points) {
        continue;
      }
      const Terms more = with(value);
      keep_best(best, judged_on_its_points(more, applies, false), more);
    }
    return best;
  };
  // And, for points whose rows lie a multiple of a span apart (and others that
  // do not), a slowdown of theirs.
  {
    std::optional<Judged> best = best_of(
        options.candidate_alias_bytes,
        [&](std::int64_t span) {
          Terms alias = terms;
          alias.alias_bytes = span;
          return alias;
        },
        rows_alias_at);
    choose(best);
  }
  // And, for points of which some outgrow the private caches (and others do
  // not), a bandwidth for the bytes beyond them. A kernel keeps part of its
  // bytes in flight (a copy's reads and writes), so the bytes it holds
  // before it spills are fitted among multiples of the caches' size.
  {
    std::vector<double> caches;
    for (const double multiple : options.candidate_private_cache_multiples) {
      caches.push_back(options.private_cache_bytes * multiple);
    }
    const auto beyond = [&](bool wait) {
      return best_of(
          caches,
          [&](double cache) {
            Terms far = terms;
            far.private_cache_bytes = cache;
            far.far_wait = wait;
            return far;
          },
          outgrows);
    };
    std::optional<Judged> best = beyond(false);
    // Or a wait for them on top of the roofline term. For a kernel its bytes
    // bound that is the same function (1/B_far = 1/B + 1/B_wait), so it is
    // kept only where it predicts clearly better than the best bandwidth.
    std::optional<Judged> wait = beyond(true);
    if (wait && (!best || clearly_below(wait->candidate.sums.error().log_rms, best->candidate.sums.error().log_rms))) {
      best = std::move(wait);
    }
    choose(best);
  }
  // And, for points of which some compute outputs at a row's padded edges one
  // at a time (a padded convolution; a narrow one more of them), a slowdown
  // of those outputs.
  const auto at_edges = [](const Sample& s) { return s.edge_share > 0.0; };
  const std::size_t edged = count_where(samples, at_edges);
  if (edged >= options.min_op_points) {
    Terms edge = terms;
    edge.edge_term = true;
    if (auto candidate = judged_on_its_points(edge, at_edges, true)) {
      chosen = std::move(*candidate);
      terms = edge;
    }
  }
  const Heldout best = chosen.sums.error();
  FitResult result;
  result.model = fit_form(samples, chosen.form, options.bounds, terms);
  // A class whose points never compute (copies) or never move bytes leaves that
  // rate unconstrained: pin it to a large finite value so that its term is 0.
  const bool any_work = std::any_of(samples.begin(), samples.end(),
                                    [&](const Sample& s) { return result.model.work(s) > 0.0; });
  const bool any_bytes = std::any_of(samples.begin(), samples.end(), [](const Sample& s) { return s.bytes > 0.0; });
  if (!any_work || !std::isfinite(result.model.flops_per_s)) {
    result.model.flops_per_s = kUnusedRate;
  }
  if (!any_bytes || !std::isfinite(result.model.bytes_per_s)) {
    result.model.bytes_per_s = kUnusedRate;
  }
  if (!has_finite_parameters(result.model)) {
    throw FitError("the fit did not converge (a parameter came out infinite, NaN or a rate 0); "
                   "measure its points again");
  }
  result.points = samples.size();
  result.heldout_rmspe_percent = best.rmspe_percent;
  result.rmspe_percent = rmspe_percent(result.model, samples);
  for (const auto& s : samples) {
    result.relative_residuals.push_back((result.model.predict_s(s) - s.time_s) / s.time_s);
  }
  return result;
}

/// fit_step_model with a direct path (options.direct_below): its points fitted
/// apart, the others by fit_paths; all of them together when the direct points
/// are too few or cannot be fitted.
FitResult fit_with_direct_path(const std::vector<Sample>& samples, const FitOptions& options) {
  std::vector<Sample> direct_points;
  std::vector<Sample> others;
  for (const Sample& s : samples) {
    (roofline::falls_below(s, options.direct_below, options.direct_dim) ? direct_points : others).push_back(s);
  }
  FitOptions without = options;
  without.direct_below = 0;
  if (direct_points.size() < std::max<std::size_t>(options.min_direct_points, 4) ||
      others.size() < options.min_points) {
    return fit_paths(samples, without);
  }
  FitResult result = fit_paths(others, without);
  StepModel& m = result.model;
  // The direct kernel computes its output channels in the fast path's blocks
  // and its input channels as they are.
  std::vector<std::int64_t> steps(m.steps.size(), 1);
  if (!steps.empty()) {
    steps[0] = m.steps[0];
  }
  if (!fittable(direct_points, steps, 4)) {
    return fit_paths(samples, without);
  }
  const StepModel path = fit_fixed_steps(direct_points, steps, options.bounds);
  m.direct_below = options.direct_below;
  m.direct_dim = options.direct_dim;
  m.direct_steps = steps;
  m.direct_overhead_s = path.overhead_s;
  m.direct_flops_per_s = path.flops_per_s;
  m.direct_bytes_per_s = path.bytes_per_s;
  if (!has_finite_parameters(m)) {
    throw FitError("the direct path's fit did not converge (a parameter came out infinite, NaN or a rate 0); "
                   "measure its points again");
  }
  // Held out: the others' cross-validated error pooled with each direct point's, fitted without it.
  double squares = result.heldout_rmspe_percent * result.heldout_rmspe_percent * static_cast<double>(others.size());
  for (std::size_t i = 0; i < direct_points.size(); ++i) {
    std::vector<Sample> rest = direct_points;
    rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(i));
    const StepModel left_out = fittable(rest, steps, 3) ? fit_fixed_steps(rest, steps, options.bounds) : path;
    const double error = 100.0 * (left_out.predict_s(direct_points[i]) - direct_points[i].time_s) /
                         direct_points[i].time_s;
    squares += error * error;
  }
  result.points = samples.size();
  result.heldout_rmspe_percent = std::sqrt(squares / static_cast<double>(samples.size()));
  result.rmspe_percent = rmspe_percent(m, samples);
  result.relative_residuals.clear();
  for (const auto& s : samples) {
    result.relative_residuals.push_back((m.predict_s(s) - s.time_s) / s.time_s);
  }
  return result;
}

}  // namespace

FitResult fit_step_model(const std::vector<Sample>& samples, const FitOptions& options) {
  return options.direct_below > 0 ? fit_with_direct_path(samples, options) : fit_paths(samples, options);
}

}  // namespace roofcast::fit
