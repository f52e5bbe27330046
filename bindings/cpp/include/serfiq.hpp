// serfiq: SER-FIQ face image quality, header-only C++17 binding over the C API
// (serfiq.h). Link with -lserfiq; nothing else is needed, OpenCV included.
//
//   serfiq::Options options;                              // the library's defaults
//   options.detector_path = "retinaface_mnet025.onnx";    // photos without landmarks
//   serfiq::Model model("fr_feature.onnx", options);      // throws serfiq::Error
//   for (const serfiq::Face& f : model.detect_score(serfiq::ImageView::from_mat(bgr_mat)))
//       use(f.box, f.landmarks, f.confidence, f.quality.s, f.quality.q);
//   serfiq::Landmarks lm = {lex, ley, rex, rey, nx, ny, lmx, lmy, rmx, rmy};
//   serfiq::Quality q = model.score(serfiq::ImageView::from_mat(bgr_mat), lm);
//
// Ownership: a Model owns its serfiq_model (moved, never copied); an ImageView
// and landmarks are borrowed for the call only. Errors: every failing call
// throws serfiq::Error with the C status and serfiq_last_error()'s message,
// except Model::score_batch_each, which reports each image's own status.
// Threads: all scoring methods are const and may run on one Model from many
// threads at once (the C API's `const serfiq_model *` contract); moving or
// destroying a Model needs exclusive access. A moved-from Model throws
// serfiq::Error(Status::NullArgument) from every call instead of crashing.
#ifndef SERFIQ_HPP
#define SERFIQ_HPP

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "serfiq.h"

namespace serfiq {

// Every serfiq_status, one per line, each taken from its serfiq.h macro
// (bindings/cpp/test.sh checks this list against the header).
enum class Status : std::uint32_t {
    Ok = SERFIQ_OK,
    NullArgument = SERFIQ_ERR_NULL_ARGUMENT,
    InvalidArgument = SERFIQ_ERR_INVALID_ARGUMENT,
    OptionsSize = SERFIQ_ERR_OPTIONS_SIZE,
    InvalidImage = SERFIQ_ERR_INVALID_IMAGE,
    InvalidLandmarks = SERFIQ_ERR_INVALID_LANDMARKS,
    BufferTooSmall = SERFIQ_ERR_BUFFER_TOO_SMALL,
    ModelNotFound = SERFIQ_ERR_MODEL_NOT_FOUND,
    ModelInvalid = SERFIQ_ERR_MODEL_INVALID,
    EmbeddingLayerNotFound = SERFIQ_ERR_EMBEDDING_LAYER_NOT_FOUND,
    UnsupportedModel = SERFIQ_ERR_UNSUPPORTED_MODEL,
    RuntimeNotFound = SERFIQ_ERR_RUNTIME_NOT_FOUND,
    RuntimeVersion = SERFIQ_ERR_RUNTIME_VERSION,
    Inference = SERFIQ_ERR_INFERENCE,
    Poisoned = SERFIQ_ERR_POISONED,
    Internal = SERFIQ_ERR_INTERNAL,
    AbiMismatch = SERFIQ_ERR_ABI_MISMATCH,
    ModelDigestMismatch = SERFIQ_ERR_MODEL_DIGEST_MISMATCH,
    NoFace = SERFIQ_ERR_NO_FACE,
    GpuUnavailable = SERFIQ_ERR_GPU_UNAVAILABLE,
    ImagesFailed = SERFIQ_ERR_IMAGES_FAILED,
    Forked = SERFIQ_ERR_FORKED,
};

// The C name of a status ("SERFIQ_ERR_INVALID_IMAGE"), or "SERFIQ_UNKNOWN_STATUS".
inline const char* status_name(Status status) noexcept {
    return serfiq_status_name(static_cast<serfiq_status>(status));
}

// Library version string, e.g. "serfiq 0.1.0 (ONNX Runtime API 1.31)".
inline const char* version() noexcept { return serfiq_version(); }

// SERFIQ_ABI_VERSION of the loaded libserfiq (this header expects SERFIQ_ABI_VERSION).
inline std::uint32_t abi_version() noexcept { return serfiq_abi_version(); }

// Models created and not yet destroyed in this process, through any binding: for leak checks.
inline std::size_t live_models() noexcept { return serfiq_live_models(); }

// A failed serfiq call. what() is "SERFIQ_ERR_NAME: message"; message() is the
// message alone (serfiq_last_error() of the failing call, copied).
class Error : public std::runtime_error {
public:
    Error(Status status, const std::string& message)
        : std::runtime_error(std::string(status_name(status)) + ": " + message), status_(status), message_(message) {}

    Status status() const noexcept { return status_; }
    const std::string& message() const noexcept { return message_; }

private:
    Status status_;
    std::string message_;
};

namespace detail {
// Throws for a non-OK status, copying this thread's message before any other call.
inline void check(serfiq_status status) {
    if (status != SERFIQ_OK) {
        throw Error(static_cast<Status>(status), serfiq_last_error());
    }
}

// Throws Error(Status::AbiMismatch) unless the loaded libserfiq has the C ABI
// this header was compiled against (the library itself never returns that status).
inline void check_abi() {
    const std::uint32_t loaded = serfiq_abi_version();
    if (loaded != SERFIQ_ABI_VERSION) {
        throw Error(Status::AbiMismatch, "libserfiq has C ABI version " + std::to_string(loaded) +
                                             ", serfiq.hpp was built for " + std::to_string(SERFIQ_ABI_VERSION));
    }
}

// serfiq_options_init with this header's struct size, after the ABI check.
inline serfiq_options default_options() {
    check_abi();
    serfiq_options o;
    check(serfiq_options_init(&o, sizeof(serfiq_options)));
    return o;
}
}  // namespace detail

// Pixel layout of an ImageView (8 bits per channel).
enum class PixelFormat : std::uint32_t {
    Bgr = SERFIQ_PIXEL_BGR,  // OpenCV's default
    Rgb = SERFIQ_PIXEL_RGB,
    Bgra = SERFIQ_PIXEL_BGRA,
    Rgba = SERFIQ_PIXEL_RGBA,
    Gray = SERFIQ_PIXEL_GRAY,
};

// Bytes per pixel of a format; 0 for a value that is no PixelFormat.
constexpr std::size_t bytes_per_pixel(PixelFormat format) noexcept {
    switch (format) {
        case PixelFormat::Bgr:
        case PixelFormat::Rgb:
            return 3;
        case PixelFormat::Bgra:
        case PixelFormat::Rgba:
            return 4;
        case PixelFormat::Gray:
            return 1;
    }
    return 0;
}

// Channel order of the model's input tensor.
enum class ChannelOrder : std::uint32_t {
    Rgb = SERFIQ_CHANNELS_RGB,
    Bgr = SERFIQ_CHANNELS_BGR,
};

// Which face the single-face calls score when the detector finds several.
enum class FacePolicy : std::uint32_t {
    Largest = SERFIQ_FACE_LARGEST,  // the largest box (the default)
    MostCentral = SERFIQ_FACE_MOST_CENTRAL,  // the box centre nearest the image centre
};

// Where a model's inferences run.
enum class ExecutionProvider : std::uint32_t {
    Cpu = SERFIQ_PROVIDER_CPU,
    Cuda = SERFIQ_PROVIDER_CUDA,
};

// Where libraries without a path in the Options (ONNX Runtime, CUDA) are looked for.
enum class SearchPaths : std::uint32_t {
    // env SERFIQ_ORT_LIB, libserfiq's folder, the system loader; for CUDA env
    // SERFIQ_CUDA_PATH, pip's nvidia-* packages (VIRTUAL_ENV, CONDA_PREFIX, HOME),
    // LD_LIBRARY_PATH and the system library folders (the default).
    Default = SERFIQ_SEARCH_DEFAULT,
    // Only ort_library_path and cuda_library_path: no environment variable, no
    // folder of serfiq's own, no system loader.
    ExplicitOnly = SERFIQ_SEARCH_EXPLICIT_ONLY,
};

// What an image passed without landmarks is (landmarks, when given, always place the face).
enum class InputMode : std::uint32_t {
    // By its size (the default): exactly Model::input_size() is an aligned crop
    // (even a photo of that size), any other size goes to the detector.
    Auto = SERFIQ_INPUT_AUTO,
    // An aligned crop: another size is Error(Status::InvalidImage).
    Crop = SERFIQ_INPUT_CROP,
    // A photo: always searched by the detector (none: Error(Status::InvalidArgument) at create).
    Photo = SERFIQ_INPUT_PHOTO,
};

// Most faces one image gives (Model::detect_score).
inline constexpr std::size_t max_faces = SERFIQ_MAX_FACES;

// Which quality Quality::q100 is the percentile of.
enum class Q100Quality : std::uint32_t {
    Default = SERFIQ_Q100_DEFAULT,  // serfiq's choice (f); options() reports F
    S = SERFIQ_Q100_S,
    F = SERFIQ_Q100_F,
};

// A borrowed 8-bit image: nothing is copied, the pixels must stay alive for the call.
// stride: bytes from one row to the next (0 = tightly packed).
//
// An OpenCV cv::Mat (CV_8UC3 BGR, CV_8UC4 BGRA or CV_8UC1) passes as is, without a copy:
//   serfiq::ImageView img{mat.data, static_cast<std::uint32_t>(mat.cols),
//                         static_cast<std::uint32_t>(mat.rows), mat.step, serfiq::PixelFormat::Bgr};
// or simply serfiq::ImageView::from_mat(mat).
struct ImageView {
    const std::uint8_t* data = nullptr;
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    std::size_t stride = 0;
    PixelFormat format = PixelFormat::Bgr;

    // A view of any matrix type with OpenCV's members (data, rows, cols,
    // step[0], channels(), elemSize1()); this header does not depend on OpenCV.
    // 1, 3 or 4 channels of 8 bits map to Gray, `bgr` (Bgr by default) or Bgra;
    // anything else throws Error(Status::InvalidImage).
    template <class Mat>
    static ImageView from_mat(const Mat& mat, PixelFormat three_channels = PixelFormat::Bgr) {
        PixelFormat format;
        switch (mat.channels()) {
            case 1:
                format = PixelFormat::Gray;
                break;
            case 3:
                format = three_channels;
                break;
            case 4:
                format = three_channels == PixelFormat::Rgb ? PixelFormat::Rgba : PixelFormat::Bgra;
                break;
            default:
                throw Error(Status::InvalidImage, "matrix has " + std::to_string(mat.channels()) +
                                                      " channels; serfiq takes 1, 3 or 4");
        }
        if (mat.elemSize1() != 1) {
            throw Error(Status::InvalidImage, "matrix elements are not 8-bit (elemSize1 " +
                                                  std::to_string(mat.elemSize1()) + ")");
        }
        const auto side = [](int v) { return v > 0 ? static_cast<std::uint32_t>(v) : 0u; };
        return ImageView{reinterpret_cast<const std::uint8_t*>(mat.data), side(mat.cols), side(mat.rows),
                         static_cast<std::size_t>(mat.step[0]), format};
    }

    serfiq_image to_c() const noexcept {
        serfiq_image image;
        image.data = data;
        image.width = width;
        image.height = height;
        image.stride = stride;
        image.format = static_cast<serfiq_pixel_format>(format);
        return image;
    }
};

// Five points, x y each, in pixels: left eye, right eye, nose tip, left and
// right mouth corner ("left" = smaller x).
using Landmarks = std::array<float, SERFIQ_LANDMARK_FLOATS>;

// Quality of one face: s the raw SER-FIQ score in (0, 1], q = s on the model's
// logistic display scale in (0, 1), n the embedding layer's output norm, f the
// fused quality (of s, n and, with a quality network, l), q100 the percentile
// (0-100) of the image's quality in the model's calibration sample, l the second
// quality network's value (NAN without one; see serfiq_quality).
struct Quality {
    float s = 0;
    float q = 0;
    float n = 0;
    float f = 0;
    float q100 = 0;
    float l = 0;

    static Quality from_c(const serfiq_quality& c) noexcept { return Quality{c.s, c.q, c.n, c.f, c.q100, c.l}; }
};

// Quality and embedding of one face.
struct ScoredEmbedding {
    Quality quality;
    std::vector<float> embedding;
};

// Result of Model::score_batch: one quality per image and, when asked for,
// one embedding per image (else `embeddings` is empty).
struct BatchResult {
    std::vector<Quality> qualities;
    std::vector<std::vector<float>> embeddings;
};

// One image's result in Model::score_batch_each. `quality` and `embedding`
// are set only when ok(); `embedding` is empty unless embeddings were asked for.
struct ImageResult {
    Status status = Status::Ok;
    std::string message;  // serfiq_image_error(i), e.g. "image 3: ..."; "" when ok()
    Quality quality;
    std::vector<float> embedding;

    bool ok() const noexcept { return status == Status::Ok; }
};

// One face found by Model::detect_score, in image pixels.
struct Face {
    std::array<float, 4> box{};  // left, top, right, bottom edges
    Landmarks landmarks{};       // the 5 points it was aligned by
    float confidence = 0;        // the detector's, in (detector_threshold, 1]
    Quality quality;
    std::vector<float> embedding;  // empty unless embeddings were asked for
};

// One ISO/IEC 29794-5 quality component of a face. `id`, `name` and `unit`
// come from the library (serfiq_component_*), so a new component needs no
// change here.
struct Component {
    std::uint32_t id = 0;
    std::string name;  // e.g. "InterEyeDistance"
    std::string unit;  // unit of `raw`, e.g. "px", "degree"
    float raw = NAN;    // in `unit`; NaN: not assessed
    float value = NAN;  // 0..100, higher is better; NaN: not assessed

    bool assessed() const noexcept { return !std::isnan(value); }
};

// A feedback code the person in front of the camera can act on.
struct Feedback {
    std::uint32_t code = 0;  // its bit in Assessment::feedback_bits
    std::string name;        // e.g. "TOO_DARK"
    std::string message;     // a short English sentence to show or translate
};

// A face with its quality, components and feedback (Model::assess, Model::detect_assess).
struct Assessment {
    Face face;  // box and confidence are those of the detector when it found the face
    std::map<std::string, Component> components;  // every component the library defines, by name
    std::vector<Feedback> feedback;               // raised codes, in code order
    std::uint64_t feedback_bits = 0;              // bit k set: code k raised

    // Whether feedback `name` ("TOO_DARK") was raised.
    bool has(const std::string& name) const {
        return std::any_of(feedback.begin(), feedback.end(), [&](const Feedback& f) { return f.name == name; });
    }
};

// Every component and feedback code the loaded library defines, read once.
struct Catalog {
    std::vector<Component> components;  // by id; raw and value NaN
    std::vector<Feedback> feedback;      // by code
};

namespace detail {
inline std::string text(const char* s) { return s != nullptr ? std::string(s) : std::string(); }
}  // namespace detail

inline const Catalog& catalog() {
    static const Catalog table = [] {
        Catalog c;
        for (std::uint32_t id = 0; id < serfiq_component_count(); ++id) {
            Component k;
            k.id = id;
            k.name = detail::text(serfiq_component_name(id));
            k.unit = detail::text(serfiq_component_unit(id));
            c.components.push_back(k);
        }
        for (std::uint32_t code = 0; code < serfiq_feedback_count(); ++code) {
            c.feedback.push_back(
                Feedback{code, detail::text(serfiq_feedback_name(code)), detail::text(serfiq_feedback_message(code))});
        }
        return c;
    }();
    return table;
}

// An image that owns its pixels (tightly packed), e.g. Model::aligned_crop's result.
struct Image {
    std::vector<std::uint8_t> pixels;
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    PixelFormat format = PixelFormat::Bgr;

    ImageView view() const noexcept { return ImageView{pixels.data(), width, height, 0, format}; }
};

// Settings of a Model, every field of serfiq_options (see serfiq.h). Constructed
// with the library's defaults (serfiq_options_init); change what you need.
// Strings and byte buffers are owned here and lent to the library while a Model
// is created; an unset std::optional is NULL in the C struct.
struct Options {
    // The recognition model: a path (UTF-8) or its bytes; a path wins over bytes.
    // Model(path, options) and Model::from_bytes(...) set these for you.
    std::optional<std::string> model_path;
    std::optional<std::vector<std::uint8_t>> model_data;
    std::optional<std::string> ort_library_path;  // none: env SERFIQ_ORT_LIB, libserfiq's folder, system
    std::optional<std::string> embedding_layer;   // none: found automatically
    std::uint32_t samples = 0;                    // T, 2..=1000
    float dropout = 0;                            // p, 0.01 <= p <= 0.99
    std::uint64_t seed = 0;                       // seed of the dropout masks
    // q = 1 / (1 + exp(-alpha * (s - r))). NaN (the default): the model's calibration
    // (`serfiq calibrate`) where it has one, else alpha 118 and r 0.576.
    double alpha = 0;
    double r = 0;
    ChannelOrder channel_order = ChannelOrder::Rgb;
    std::array<float, 3> mean{};    // (pixel - mean) / stddev per channel, model order
    std::array<float, 3> stddev{};  // serfiq_options.std
    std::uint32_t intra_op_threads = 0;  // per inference (library default 1); 0 = ONNX Runtime's own
    std::uint32_t max_sessions = 0;      // inferences at once; 0 = number of CPUs
    // Expected SHA-256 of the model, 64 hex digits (any case); none = not checked.
    // Another digest: Error(Status::ModelDigestMismatch).
    std::optional<std::string> model_sha256;
    // The face detector (RetinaFace), a path or its bytes; with neither (the
    // default) the model has no detector and images need landmarks or must be
    // aligned crops at Model::input_size().
    std::optional<std::string> detector_path;
    std::optional<std::vector<std::uint8_t>> detector_data;
    FacePolicy face_policy = FacePolicy::Largest;
    float detector_threshold = 0;  // 0 <= t < 1 (library default 0.9)
    ExecutionProvider execution_provider = ExecutionProvider::Cpu;
    std::int32_t device_id = 0;  // CUDA device ordinal
    bool gpu_fallback = false;   // no usable GPU: run on the CPU instead of Status::GpuUnavailable
    std::optional<std::string> cuda_library_path;  // folder of the CUDA / cuDNN libraries
    // Largest model or detector (file or bytes) read, 1 to 2^31 - 1 bytes; 0 = the
    // library default, 1 GiB. Larger: Error(Status::UnsupportedModel) before it is read.
    std::uint64_t max_model_bytes = 0;
    // Expected SHA-256 of the detector, 64 hex digits (any case); none = not checked.
    // Another digest: Error(Status::ModelDigestMismatch); set without a detector:
    // Error(Status::InvalidArgument).
    std::optional<std::string> detector_sha256;
    // ExplicitOnly: no environment variable or implicit folder is searched for
    // ONNX Runtime or CUDA. ONNX Runtime is loaded once per process; once loaded,
    // a model without ort_library_path uses it whatever this says.
    SearchPaths search_paths = SearchPaths::Default;
    // What an image without landmarks is (see InputMode).
    InputMode input_mode = InputMode::Auto;
    // Longest side of the image the detector sees, 32 to 32768 (32768: no
    // shrinking); 0 = the library default, 640. Larger photos are shrunk for
    // detection only: the face is aligned from the full-resolution pixels.
    std::uint32_t detector_max_side = 0;
    // Which quality q100 is the percentile of (Default: f).
    Q100Quality q100_quality = Q100Quality::Default;
    // Thresholds of the feedback codes: a preset ("enrolment", strict ICAO/ISO,
    // the default; "live", tolerant) optionally followed by ";key=value"
    // overrides, e.g. "live;max_yaw=20". Bad text: Error(Status::InvalidArgument).
    std::optional<std::string> feedback_profile;
    // A second quality network (e.g. the shipped LightQNet), a path or its bytes;
    // with neither (the default) there is none: Quality::l is NAN and f is s and n's.
    std::optional<std::string> quality_net_path;
    std::optional<std::vector<std::uint8_t>> quality_net_data;
    // Expected SHA-256 of the network, 64 hex digits; none = not checked.
    std::optional<std::string> quality_net_sha256;
    // Its input, e.g. "side=96;layout=nhwc;channels=rgb;mean=128;std=128"; none =
    // the file's serfiq.quality_input metadata.
    std::optional<std::string> quality_net_spec;

    // Throws Error(Status::AbiMismatch) when the loaded libserfiq has another C ABI.
    Options() : Options(detail::default_options()) {}

    // A copy of a C struct (its strings and bytes copied).
    static Options from_c(const serfiq_options& o) { return Options(o); }

    // The C struct; its pointers borrow from this Options, which must outlive its use.
    serfiq_options to_c() const {
        serfiq_options o = detail::default_options();
        o.model_path = c_str(model_path);
        o.model_data = bytes(model_data);
        o.model_size = model_data ? model_data->size() : 0;
        o.ort_library_path = c_str(ort_library_path);
        o.embedding_layer = c_str(embedding_layer);
        o.samples = samples;
        o.dropout = dropout;
        o.seed = seed;
        o.alpha = alpha;
        o.r = r;
        o.channel_order = static_cast<serfiq_channel_order>(channel_order);
        for (std::size_t i = 0; i < 3; ++i) {
            o.mean[i] = mean[i];
            o.std[i] = stddev[i];
        }
        o.intra_op_threads = intra_op_threads;
        o.max_sessions = max_sessions;
        o.model_sha256 = c_str(model_sha256);
        o.detector_path = c_str(detector_path);
        o.detector_data = bytes(detector_data);
        o.detector_size = detector_data ? detector_data->size() : 0;
        o.face_policy = static_cast<serfiq_face_policy>(face_policy);
        o.detector_threshold = detector_threshold;
        o.execution_provider = static_cast<serfiq_execution_provider>(execution_provider);
        o.device_id = device_id;
        o.gpu_fallback = gpu_fallback ? 1u : 0u;
        o.cuda_library_path = c_str(cuda_library_path);
        o.max_model_bytes = max_model_bytes;
        o.detector_sha256 = c_str(detector_sha256);
        o.search_paths = static_cast<serfiq_search_paths>(search_paths);
        o.input_mode = static_cast<serfiq_input_mode>(input_mode);
        o.detector_max_side = detector_max_side;
        o.q100_quality = static_cast<serfiq_q100_quality>(q100_quality);
        o.feedback_profile = c_str(feedback_profile);
        o.quality_net_path = c_str(quality_net_path);
        o.quality_net_data = bytes(quality_net_data);
        o.quality_net_size = quality_net_data ? quality_net_data->size() : 0;
        o.quality_net_sha256 = c_str(quality_net_sha256);
        o.quality_net_spec = c_str(quality_net_spec);
        return o;
    }

private:
    explicit Options(const serfiq_options& o)
        : model_path(from_c_str(o.model_path)),
          model_data(copy_bytes(o.model_data, o.model_size)),
          ort_library_path(from_c_str(o.ort_library_path)),
          embedding_layer(from_c_str(o.embedding_layer)),
          samples(o.samples),
          dropout(o.dropout),
          seed(o.seed),
          alpha(o.alpha),
          r(o.r),
          channel_order(static_cast<ChannelOrder>(o.channel_order)),
          mean{o.mean[0], o.mean[1], o.mean[2]},
          stddev{o.std[0], o.std[1], o.std[2]},
          intra_op_threads(o.intra_op_threads),
          max_sessions(o.max_sessions),
          model_sha256(from_c_str(o.model_sha256)),
          detector_path(from_c_str(o.detector_path)),
          detector_data(copy_bytes(o.detector_data, o.detector_size)),
          face_policy(static_cast<FacePolicy>(o.face_policy)),
          detector_threshold(o.detector_threshold),
          execution_provider(static_cast<ExecutionProvider>(o.execution_provider)),
          device_id(o.device_id),
          gpu_fallback(o.gpu_fallback != 0),
          cuda_library_path(from_c_str(o.cuda_library_path)),
          max_model_bytes(o.max_model_bytes),
          detector_sha256(from_c_str(o.detector_sha256)),
          search_paths(static_cast<SearchPaths>(o.search_paths)),
          input_mode(static_cast<InputMode>(o.input_mode)),
          detector_max_side(o.detector_max_side),
          q100_quality(static_cast<Q100Quality>(o.q100_quality)),
          feedback_profile(from_c_str(o.feedback_profile)),
          quality_net_path(from_c_str(o.quality_net_path)),
          quality_net_data(copy_bytes(o.quality_net_data, o.quality_net_size)),
          quality_net_sha256(from_c_str(o.quality_net_sha256)),
          quality_net_spec(from_c_str(o.quality_net_spec)) {}

    static const char* c_str(const std::optional<std::string>& s) noexcept { return s ? s->c_str() : nullptr; }
    static std::optional<std::string> from_c_str(const char* s) {
        return s != nullptr ? std::optional<std::string>(s) : std::nullopt;
    }
    // A set but empty buffer stays non-NULL: the library then reports "no bytes"
    // instead of taking it for "not given".
    static const std::uint8_t* bytes(const std::optional<std::vector<std::uint8_t>>& b) noexcept {
        static const std::uint8_t empty = 0;
        if (!b) return nullptr;
        return b->empty() ? &empty : b->data();
    }
    static std::optional<std::vector<std::uint8_t>> copy_bytes(const std::uint8_t* data, std::size_t size) {
        if (data == nullptr) return std::nullopt;
        return std::vector<std::uint8_t>(data, data + size);
    }
};

class Capture;

// A loaded SER-FIQ model. Move-only; every const method is safe to call from
// many threads at once.
class Model {
public:
    // An empty model: every call throws Error(Status::NullArgument).
    Model() noexcept = default;

    // Loads the model that `options` names (model_path or model_data).
    explicit Model(const Options& options) { create(options.to_c()); }

    // Loads the ONNX face-recognition model at `path` (UTF-8), whatever options names.
    explicit Model(const std::string& path, const Options& options = Options()) {
        serfiq_options o = options.to_c();
        o.model_path = path.c_str();
        o.model_data = nullptr;
        o.model_size = 0;
        create(o);
    }

    static Model from_file(const std::string& path, const Options& options = Options()) {
        return Model(path, options);
    }

    // Loads a model from its bytes (copied during the call), whatever options names.
    static Model from_bytes(const void* data, std::size_t size, const Options& options = Options()) {
        static const std::uint8_t empty = 0;  // an empty buffer is "no bytes", not "no model"
        serfiq_options o = options.to_c();
        o.model_path = nullptr;
        o.model_data = data != nullptr || size != 0 ? static_cast<const std::uint8_t*>(data) : &empty;
        o.model_size = size;
        Model model;
        model.create(o);
        return model;
    }

    static Model from_bytes(const std::vector<std::uint8_t>& bytes, const Options& options = Options()) {
        return from_bytes(bytes.data(), bytes.size(), options);
    }

    Model(Model&&) noexcept = default;
    Model& operator=(Model&&) noexcept = default;
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;
    ~Model() = default;

    // False for an empty or moved-from model.
    explicit operator bool() const noexcept { return handle_ != nullptr; }

    // The C handle, still owned by this Model (NULL when empty).
    const serfiq_model* native_handle() const noexcept { return handle_.get(); }

    // The options this model was created with (serfiq_get_options): alpha and r
    // are the values in use; model_data and detector_data are never kept (none).
    Options options() const {
        serfiq_options o = detail::default_options();
        detail::check(serfiq_get_options(handle_.get(), &o));
        return Options::from_c(o);
    }

    // Where inferences run: Cuda, or Cpu (also when Cuda was asked for with gpu_fallback).
    ExecutionProvider execution_provider() const {
        serfiq_execution_provider provider = SERFIQ_PROVIDER_CPU;
        detail::check(serfiq_get_execution_provider(handle_.get(), &provider));
        return static_cast<ExecutionProvider>(provider);
    }

    // Quality of one face. `landmarks`: 10 floats locating the face in `image`,
    // or nullptr: then an image at input_size() is an aligned crop, any other is
    // searched by the detector (Status::NoFace when it finds none; without a
    // detector Status::InvalidImage).
    Quality score(const ImageView& image, const float* landmarks = nullptr) const {
        const serfiq_image img = image.to_c();
        serfiq_quality q;
        detail::check(serfiq_score(handle_.get(), &img, landmarks, &q));
        return Quality::from_c(q);
    }
    Quality score(const ImageView& image, const Landmarks& landmarks) const {
        return score(image, landmarks.data());
    }

    // The embedding of one face as the original model outputs it.
    std::vector<float> embed(const ImageView& image, const float* landmarks = nullptr) const {
        std::vector<float> embedding(embedding_size());
        embedding.resize(embed_into(image, landmarks, embedding.data(), embedding.size()));
        return embedding;
    }
    std::vector<float> embed(const ImageView& image, const Landmarks& landmarks) const {
        return embed(image, landmarks.data());
    }

    // The embedding into a caller buffer of `capacity` floats; returns the
    // number written. Too small: Error(Status::BufferTooSmall).
    std::size_t embed_into(const ImageView& image, const float* landmarks, float* embedding,
                           std::size_t capacity) const {
        const serfiq_image img = image.to_c();
        std::size_t len = 0;
        detail::check(serfiq_embed(handle_.get(), &img, landmarks, embedding, capacity, &len));
        return len;
    }

    // Quality and embedding from a single inference.
    ScoredEmbedding score_embed(const ImageView& image, const float* landmarks = nullptr) const {
        ScoredEmbedding out;
        out.embedding.resize(embedding_size());
        const serfiq_image img = image.to_c();
        serfiq_quality q;
        std::size_t len = 0;
        detail::check(serfiq_score_embed(handle_.get(), &img, landmarks, &q, out.embedding.data(),
                                         out.embedding.size(), &len));
        out.quality = Quality::from_c(q);
        out.embedding.resize(len);
        return out;
    }
    ScoredEmbedding score_embed(const ImageView& image, const Landmarks& landmarks) const {
        return score_embed(image, landmarks.data());
    }

    // Every face the detector finds in `image` (any size), each with its quality
    // and, with `with_embeddings`, its embedding; in the order of face_policy, so
    // faces[0] is the face score() would take. No face: an empty vector. A model
    // without a detector: Error(Status::InvalidArgument).
    std::vector<Face> detect_score(const ImageView& image, bool with_embeddings = false) const {
        const serfiq_image img = image.to_c();
        std::size_t count = 0;
        detail::check(serfiq_detect_score(handle_.get(), &img, nullptr, 0, &count, nullptr, 0));  // a count query
        if (count == 0) return {};
        const std::size_t dim = with_embeddings ? embedding_size() : 0;
        std::vector<serfiq_face> found(count);
        std::vector<float> flat(count * dim);
        detail::check(serfiq_detect_score(handle_.get(), &img, found.data(), found.size(), &count,
                                          flat.empty() ? nullptr : flat.data(), flat.size()));
        std::vector<Face> faces(count);
        for (std::size_t i = 0; i < count; ++i) {
            const serfiq_face& c = found[i];
            Face& f = faces[i];
            std::copy(c.box, c.box + 4, f.box.begin());
            std::copy(c.landmarks, c.landmarks + SERFIQ_LANDMARK_FLOATS, f.landmarks.begin());
            f.confidence = c.confidence;
            f.quality = Quality::from_c(c.quality);
            if (dim != 0) f.embedding.assign(flat.begin() + offset(i, dim), flat.begin() + offset(i + 1, dim));
        }
        return faces;
    }

    // One face, routed as by score(), with its quality, components and feedback
    // under the model's feedback_profile. No face: Error(Status::NoFace).
    Assessment assess(const ImageView& image, const float* landmarks = nullptr) const {
        const serfiq_image img = image.to_c();
        serfiq_face face{};
        serfiq_components components{};
        detail::check(serfiq_assess(handle_.get(), &img, landmarks, &face, &components));
        return assessment(face, components);
    }
    Assessment assess(const ImageView& image, const Landmarks& landmarks) const {
        return assess(image, landmarks.data());
    }

    // Every face the detector finds, as detect_score() orders them, each with its
    // components and feedback. No face: an empty vector.
    std::vector<Assessment> detect_assess(const ImageView& image) const {
        const serfiq_image img = image.to_c();
        std::vector<serfiq_face> found(max_faces);
        std::vector<serfiq_components> components(max_faces);
        std::size_t count = 0;
        detail::check(serfiq_detect_assess(handle_.get(), &img, found.data(), components.data(), found.size(), &count));
        std::vector<Assessment> out;
        out.reserve(count);
        for (std::size_t i = 0; i < count; ++i) out.push_back(assessment(found[i], components[i]));
        return out;
    }

    // Scores 1..=SERFIQ_MAX_BATCH images. `landmarks`: empty when no image has
    // landmarks (each is then routed as by score()), else one set per image. With
    // `with_embeddings`, also returns each image's embedding. Nothing is returned
    // unless every image succeeds (the first bad one is named in the error
    // message); score_batch_each gives the good images' results too.
    BatchResult score_batch(const std::vector<ImageView>& images, const std::vector<Landmarks>& landmarks = {},
                            bool with_embeddings = false) const {
        Batch batch(*this, images, landmarks, with_embeddings);
        detail::check(serfiq_score_batch(handle_.get(), batch.images(), batch.count, batch.landmarks(),
                                         batch.qualities.data(), batch.embeddings(), batch.flat.size()));
        BatchResult out;
        out.qualities.reserve(batch.count);
        for (std::size_t i = 0; i < batch.count; ++i) out.qualities.push_back(batch.quality(i));
        if (with_embeddings) {
            out.embeddings.reserve(batch.count);
            for (std::size_t i = 0; i < batch.count; ++i) out.embeddings.push_back(batch.embedding(i));
        }
        return out;
    }

    // Scores each image on its own: one ImageResult per image, with its status and
    // message, so one bad image does not hide the others' results. Arguments as for
    // score_batch. Throws only when the call itself cannot run (an empty or
    // oversized batch, ONNX Runtime failing).
    std::vector<ImageResult> score_batch_each(const std::vector<ImageView>& images,
                                              const std::vector<Landmarks>& landmarks = {},
                                              bool with_embeddings = false) const {
        Batch batch(*this, images, landmarks, with_embeddings);
        std::vector<serfiq_status> statuses(batch.qualities.size(), SERFIQ_OK);
        const serfiq_status status =
            serfiq_score_batch_each(handle_.get(), batch.images(), batch.count, batch.landmarks(),
                                    batch.qualities.data(), batch.embeddings(), batch.flat.size(), statuses.data());
        if (status != SERFIQ_ERR_IMAGES_FAILED) detail::check(status);
        // The messages are thread-local until the next serfiq call: read them all first.
        std::vector<ImageResult> out(batch.count);
        for (std::size_t i = 0; i < batch.count; ++i) {
            out[i].status = static_cast<Status>(statuses[i]);
            if (!out[i].ok()) {
                out[i].message = serfiq_image_error(i);
                continue;
            }
            out[i].quality = batch.quality(i);
            if (with_embeddings) out[i].embedding = batch.embedding(i);
        }
        return out;
    }

    // The face score() would take, as the model sees it: input_size() pixels,
    // packed, in `format` (Bgr or Rgb). `landmarks` and routing as for score();
    // the result's view() scores as an aligned crop.
    Image aligned_crop(const ImageView& image, const float* landmarks = nullptr,
                       PixelFormat format = PixelFormat::Bgr) const {
        const auto [width, height] = input_size();
        Image crop;
        crop.pixels.resize(std::size_t{width} * height * 3);
        crop.width = width;
        crop.height = height;
        crop.format = format;
        const serfiq_image img = image.to_c();
        std::size_t len = 0;
        detail::check(serfiq_aligned_crop(handle_.get(), &img, landmarks, static_cast<serfiq_pixel_format>(format),
                                          crop.pixels.data(), crop.pixels.size(), &len));
        crop.pixels.resize(len);
        return crop;
    }
    Image aligned_crop(const ImageView& image, const Landmarks& landmarks,
                       PixelFormat format = PixelFormat::Bgr) const {
        return aligned_crop(image, landmarks.data(), format);
    }

    // Number of floats in one embedding.
    std::size_t embedding_size() const {
        std::size_t size = 0;
        detail::check(serfiq_embedding_size(handle_.get(), &size));
        return size;
    }

    // Width and height of an aligned input image (e.g. 112 x 112).
    std::pair<std::uint32_t, std::uint32_t> input_size() const {
        std::uint32_t width = 0, height = 0;
        detail::check(serfiq_input_size(handle_.get(), &width, &height));
        return {width, height};
    }

private:
    friend class Capture;  // builds its frames' Assessments the same way

    struct Deleter {
        void operator()(serfiq_model* model) const noexcept { serfiq_destroy(model); }
    };

    static Assessment assessment(const serfiq_face& c, const serfiq_components& k) {
        Assessment a;
        std::copy(c.box, c.box + 4, a.face.box.begin());
        std::copy(c.landmarks, c.landmarks + SERFIQ_LANDMARK_FLOATS, a.face.landmarks.begin());
        a.face.confidence = c.confidence;
        a.face.quality = Quality::from_c(c.quality);
        const Catalog& names = catalog();
        for (Component m : names.components) {
            if (m.id < k.count && m.id < SERFIQ_MAX_COMPONENTS) {
                m.raw = k.raw[m.id];
                m.value = k.value[m.id];
            }
            a.components.emplace(m.name, m);
        }
        a.feedback_bits = k.feedback;
        for (const Feedback& f : names.feedback) {
            if (f.code < 64 && (k.feedback >> f.code & 1u) != 0) a.feedback.push_back(f);
        }
        return a;
    }

    static std::ptrdiff_t offset(std::size_t i, std::size_t dim) noexcept {
        return static_cast<std::ptrdiff_t>(i * dim);
    }

    // The C arguments of a batch call, shared by score_batch and score_batch_each.
    struct Batch {
        std::size_t count;
        std::vector<serfiq_image> imgs;
        const std::vector<Landmarks>& lms;
        std::vector<serfiq_quality> qualities;
        std::vector<float> flat;
        std::size_t dim = 0;
        serfiq_image unused{};

        Batch(const Model& model, const std::vector<ImageView>& images, const std::vector<Landmarks>& landmarks,
              bool with_embeddings)
            : count(images.size()), lms(landmarks) {
            // The C call reads count * 10 floats: the one check the library cannot make.
            if (!landmarks.empty() && landmarks.size() != count) {
                throw Error(Status::InvalidArgument, std::to_string(count) + " images but " +
                                                         std::to_string(landmarks.size()) + " sets of landmarks");
            }
            imgs.reserve(count);
            for (const ImageView& v : images) imgs.push_back(v.to_c());
            // An empty batch keeps non-NULL pointers, so the library reports the
            // count (InvalidArgument) as it does for an oversized one.
            qualities.resize(count == 0 ? 1 : count);
            if (with_embeddings && count >= 1 && count <= SERFIQ_MAX_BATCH) {
                dim = model.embedding_size();
                flat.resize(count * dim);
            }
        }
        const serfiq_image* images() const noexcept { return imgs.empty() ? &unused : imgs.data(); }
        const float* landmarks() const noexcept { return lms.empty() ? nullptr : lms.front().data(); }
        float* embeddings() noexcept { return flat.empty() ? nullptr : flat.data(); }
        Quality quality(std::size_t i) const noexcept { return Quality::from_c(qualities[i]); }
        std::vector<float> embedding(std::size_t i) const {
            return std::vector<float>(flat.begin() + offset(i, dim), flat.begin() + offset(i + 1, dim));
        }
    };

    void create(const serfiq_options& options) {
        detail::check_abi();
        serfiq_model* model = nullptr;
        detail::check(serfiq_create(&options, &model));
        handle_.reset(model);
    }

    std::unique_ptr<serfiq_model, Deleter> handle_;
};


// ---- The camera loop (serfiq_capture_*) ----

// Where a capture stands after a frame.
enum class CaptureState : std::uint32_t {
    Searching = SERFIQ_CAPTURE_SEARCHING,  // no face followed
    Adjust = SERFIQ_CAPTURE_ADJUST,        // a face, but blocking feedback or q100 under min_q100
    HoldStill = SERFIQ_CAPTURE_HOLD_STILL,  // good, not yet steady for long enough
    Captured = SERFIQ_CAPTURE_CAPTURED,    // good and steady
};

// "SEARCHING", "ADJUST", "HOLD_STILL", "CAPTURED" (the C macros' suffixes), or "UNKNOWN".
inline const char* state_name(CaptureState state) noexcept {
    switch (state) {
        case CaptureState::Searching:
            return "SEARCHING";
        case CaptureState::Adjust:
            return "ADJUST";
        case CaptureState::HoldStill:
            return "HOLD_STILL";
        case CaptureState::Captured:
            return "CAPTURED";
    }
    return "UNKNOWN";
}

// How a capture decides and tracks: every field of serfiq_capture_options (see
// serfiq.h for the ranges). Constructed with the library's defaults.
struct CaptureOptions {
    float min_q100 = 0;               // q100 needed for CAPTURED (default 50)
    std::uint32_t steady_frames = 0;  // frames good and steady in a row (default 5)
    std::uint32_t steady_ms = 0;      // or milliseconds; 0 = frames only (default 0)
    float max_motion = 0;             // landmark motion that counts as steady (default 0.05)
    std::uint32_t redetect_frames = 0;  // full search at least every this many frames (default 15)
    std::uint32_t redetect_ms = 0;      // or milliseconds; 0 = frames only (default 500)
    float track_context = 0;          // searched region, in multiples of the last box (default 2)
    std::uint32_t track_side = 0;     // the region's longest side for detection (default 256)
    float min_overlap = 0;            // IoU that keeps a face on its track (default 0.3)
    float min_similarity = 0;         // cosine under which an overlapping face is another person (default 0.3)
    float jump_similarity = 0;        // cosine a jumping box needs to stay on the track (default 0.75)
    std::uint64_t blocking_feedback = 0;  // feedback bits that keep a face in ADJUST (default all)

    // Throws Error(Status::AbiMismatch) when the loaded libserfiq has another C ABI.
    CaptureOptions() : CaptureOptions(defaults()) {}

    serfiq_capture_options to_c() const {
        serfiq_capture_options o = defaults();
        o.min_q100 = min_q100;
        o.steady_frames = steady_frames;
        o.steady_ms = steady_ms;
        o.max_motion = max_motion;
        o.redetect_frames = redetect_frames;
        o.redetect_ms = redetect_ms;
        o.track_context = track_context;
        o.track_side = track_side;
        o.min_overlap = min_overlap;
        o.min_similarity = min_similarity;
        o.jump_similarity = jump_similarity;
        o.blocking_feedback = blocking_feedback;
        return o;
    }

private:
    explicit CaptureOptions(const serfiq_capture_options& o)
        : min_q100(o.min_q100),
          steady_frames(o.steady_frames),
          steady_ms(o.steady_ms),
          max_motion(o.max_motion),
          redetect_frames(o.redetect_frames),
          redetect_ms(o.redetect_ms),
          track_context(o.track_context),
          track_side(o.track_side),
          min_overlap(o.min_overlap),
          min_similarity(o.min_similarity),
          jump_similarity(o.jump_similarity),
          blocking_feedback(o.blocking_feedback) {}

    static serfiq_capture_options defaults() {
        detail::check_abi();
        serfiq_capture_options o;
        detail::check(serfiq_capture_options_init(&o, sizeof(serfiq_capture_options)));
        return o;
    }
};

namespace detail {
// The catalog's feedback codes whose bit is set.
inline std::vector<Feedback> feedback_of(std::uint64_t bits) {
    std::vector<Feedback> out;
    for (const Feedback& f : catalog().feedback) {
        if (f.code < 64 && (bits >> f.code & 1u) != 0) out.push_back(f);
    }
    return out;
}
}  // namespace detail

// What one Capture::push found.
struct CaptureFrame {
    std::uint64_t index = 0;  // 0 for the first frame since create or reset
    CaptureState state = CaptureState::Searching;
    // Feedback raised, the capture's LOW_QUALITY and NO_FACE included (bit k = code k).
    std::uint64_t feedback_bits = 0;
    std::vector<Feedback> feedback;  // the same, in code order
    // The followed face with its components (its own feedback is the model profile's);
    // none when no face is followed.
    std::optional<Assessment> face;
    std::uint32_t track = 0;  // 1 for the first person, +1 for each new one; 0 without a face
    bool is_best = false;     // this frame became the best frame
    bool new_track = false;   // this frame started a new track (the best frame was reset)
    bool full_search = false;  // the whole frame was searched, not only around the face
    float motion = NAN;        // landmark motion since the track's last frame
    float similarity = NAN;    // embedding similarity to the track's last frame
    float overlap = NAN;       // box overlap with the track's last box

    bool has(const std::string& name) const {
        return std::any_of(feedback.begin(), feedback.end(), [&](const Feedback& f) { return f.name == name; });
    }
};

// The best frame of the current track (Capture::best).
struct CaptureBest {
    std::uint64_t index = 0;  // its CaptureFrame::index
    std::int64_t timestamp_ms = 0;
    CaptureState state = CaptureState::Searching;  // its state when pushed
    std::uint32_t track = 0;
    std::uint64_t feedback_bits = 0;
    std::vector<Feedback> feedback;
    Assessment face;  // in the full-resolution frame's pixels, with its components
    Image crop;       // its aligned crop, as Model::aligned_crop gives it
    std::vector<float> embedding;
};

// The camera loop over a Model: push frames, read each frame's state and feedback,
// take the best frame. Move-only. A Capture belongs to one thread at a time (a call
// from another thread while one runs throws Error(Status::InvalidArgument)); many
// Captures may share one Model, which they keep alive: the Model may be destroyed
// first. A moved-from Capture throws Error(Status::NullArgument) from every call.
class Capture {
public:
    // `model` must have a detector (else Error(Status::InvalidArgument), as for an
    // option out of range).
    explicit Capture(const Model& model, const CaptureOptions& options = CaptureOptions()) {
        const auto [width, height] = model.input_size();
        crop_width_ = width;
        crop_height_ = height;
        embedding_size_ = model.embedding_size();
        const serfiq_capture_options o = options.to_c();
        serfiq_capture* capture = nullptr;
        detail::check(serfiq_capture_create(model.native_handle(), &o, &capture));
        handle_.reset(capture);
    }

    Capture(Capture&&) noexcept = default;
    Capture& operator=(Capture&&) noexcept = default;
    Capture(const Capture&) = delete;
    Capture& operator=(const Capture&) = delete;
    ~Capture() = default;

    explicit operator bool() const noexcept { return handle_ != nullptr; }

    // The C handle, still owned by this Capture (NULL when moved from).
    const serfiq_capture* native_handle() const noexcept { return handle_.get(); }

    // Takes the next frame, taken at `timestamp_ms` (never earlier than the last
    // frame's: else Error(Status::InvalidArgument)). On error the capture is as before.
    CaptureFrame push(const ImageView& image, std::int64_t timestamp_ms) {
        const serfiq_image img = image.to_c();
        serfiq_capture_frame c{};
        detail::check(serfiq_capture_push(handle_.get(), &img, timestamp_ms, &c));
        CaptureFrame f;
        f.index = c.index;
        f.state = static_cast<CaptureState>(c.state);
        f.feedback_bits = c.feedback;
        f.feedback = detail::feedback_of(c.feedback);
        if (c.has_face != 0) {
            f.face = Model::assessment(c.face, c.components);
            f.track = c.track;
            f.motion = c.motion;
            f.similarity = c.similarity;
            f.overlap = c.overlap;
        }
        f.is_best = c.is_best != 0;
        f.new_track = c.new_track != 0;
        f.full_search = c.full_search != 0;
        return f;
    }

    // The best frame of the current track, its crop in `crop_format` (Bgr or Rgb);
    // none when no face has been followed since create, reset or the last new track.
    std::optional<CaptureBest> best(PixelFormat crop_format = PixelFormat::Bgr) const {
        serfiq_capture_best_frame c{};
        CaptureBest b;
        b.crop.pixels.resize(std::size_t{crop_width_} * crop_height_ * 3);
        b.crop.width = crop_width_;
        b.crop.height = crop_height_;
        b.crop.format = crop_format;
        b.embedding.resize(embedding_size_);
        std::size_t crop_len = 0, embedding_len = 0;
        const serfiq_status status = serfiq_capture_best(
            handle_.get(), &c, static_cast<serfiq_pixel_format>(crop_format), b.crop.pixels.data(),
            b.crop.pixels.size(), &crop_len, b.embedding.data(), b.embedding.size(), &embedding_len);
        if (status == SERFIQ_ERR_NO_FACE) return std::nullopt;
        detail::check(status);
        b.crop.pixels.resize(crop_len);
        b.embedding.resize(embedding_len);
        b.index = c.index;
        b.timestamp_ms = c.timestamp_ms;
        b.state = static_cast<CaptureState>(c.state);
        b.track = c.track;
        b.feedback_bits = c.feedback;
        b.feedback = detail::feedback_of(c.feedback);
        b.face = Model::assessment(c.face, c.components);
        return b;
    }

    // Forgets every frame, the track and the best frame; the options stay.
    void reset() { detail::check(serfiq_capture_reset(handle_.get())); }

private:
    struct Deleter {
        void operator()(serfiq_capture* capture) const noexcept { serfiq_capture_destroy(capture); }
    };

    std::unique_ptr<serfiq_capture, Deleter> handle_;
    std::uint32_t crop_width_ = 0;
    std::uint32_t crop_height_ = 0;
    std::size_t embedding_size_ = 0;
};

}  // namespace serfiq

#endif  // SERFIQ_HPP
