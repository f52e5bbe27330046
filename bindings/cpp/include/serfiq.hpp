// serfiq: SER-FIQ face image quality, header-only C++17 binding over the C API
// (serfiq.h). Link with -lserfiq; nothing else is needed, OpenCV included.
//
//   serfiq::Model model("fr_feature.onnx");               // throws serfiq::Error
//   serfiq::Landmarks lm = {lex, ley, rex, rey, nx, ny, lmx, lmy, rmx, rmy};
//   serfiq::Quality q = model.score(serfiq::ImageView::from_mat(bgr_mat), lm);
//
// Ownership: a Model owns its serfiq_model (moved, never copied); an ImageView
// and landmarks are borrowed for the call only. Errors: every failing call
// throws serfiq::Error with the C status and serfiq_last_error()'s message.
// Threads: all scoring methods are const and may run on one Model from many
// threads at once (the C API's `const serfiq_model *` contract); moving or
// destroying a Model needs exclusive access. A moved-from Model throws
// serfiq::Error(Status::NullArgument) from every call instead of crashing.
#ifndef SERFIQ_HPP
#define SERFIQ_HPP

#include <array>
#include <cstddef>
#include <cstdint>
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
};

// The C name of a status ("SERFIQ_ERR_INVALID_IMAGE"), or "SERFIQ_UNKNOWN_STATUS".
inline const char* status_name(Status status) noexcept {
    return serfiq_status_name(static_cast<serfiq_status>(status));
}

// Library version string, e.g. "serfiq 0.1.0 (ONNX Runtime API 1.31)".
inline const char* version() noexcept { return serfiq_version(); }

// SERFIQ_ABI_VERSION of the loaded libserfiq (this header expects SERFIQ_ABI_VERSION).
inline std::uint32_t abi_version() noexcept { return serfiq_abi_version(); }

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
// logistic display scale in (0, 1).
struct Quality {
    float s = 0;
    float q = 0;
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

// Settings of a Model, mirroring serfiq_options (see serfiq.h). Constructed
// with the library's defaults (serfiq_options_init); change what you need.
// The model itself (path or bytes) is given to Model, not here.
struct Options {
    std::optional<std::string> ort_library_path;  // none: env SERFIQ_ORT_LIB, libserfiq's folder, system
    std::optional<std::string> embedding_layer;   // none: found automatically
    std::uint32_t samples = 0;                    // T, 2..=1000
    float dropout = 0;                            // p, 0 < p < 1
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
    // Expected SHA-256 of the model, 64 hex digits (any case); empty = not checked.
    // Another digest: Error(Status::ModelDigestMismatch).
    std::string model_sha256;

    // Throws Error(Status::AbiMismatch) when the loaded libserfiq has another C ABI.
    Options() {
        const serfiq_options o = detail::default_options();
        samples = o.samples;
        dropout = o.dropout;
        seed = o.seed;
        alpha = o.alpha;
        r = o.r;
        channel_order = static_cast<ChannelOrder>(o.channel_order);
        for (std::size_t i = 0; i < 3; ++i) {
            mean[i] = o.mean[i];
            stddev[i] = o.std[i];
        }
        intra_op_threads = o.intra_op_threads;
        max_sessions = o.max_sessions;
    }

    // The C struct; its string pointers borrow from this Options.
    serfiq_options to_c() const {
        serfiq_options o = detail::default_options();
        o.ort_library_path = ort_library_path ? ort_library_path->c_str() : nullptr;
        o.embedding_layer = embedding_layer ? embedding_layer->c_str() : nullptr;
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
        o.model_sha256 = model_sha256.empty() ? nullptr : model_sha256.c_str();
        return o;
    }
};

// A loaded SER-FIQ model. Move-only; every const method is safe to call from
// many threads at once.
class Model {
public:
    // An empty model: every call throws Error(Status::NullArgument).
    Model() noexcept = default;

    // Loads the ONNX face-recognition model at `path` (UTF-8).
    explicit Model(const std::string& path, const Options& options = Options()) {
        serfiq_options o = options.to_c();
        o.model_path = path.c_str();
        create(o);
    }

    static Model from_file(const std::string& path, const Options& options = Options()) {
        return Model(path, options);
    }

    // Loads a model from its bytes (copied during the call).
    static Model from_bytes(const void* data, std::size_t size, const Options& options = Options()) {
        static const std::uint8_t empty = 0;  // an empty buffer is "no bytes", not "no model"
        serfiq_options o = options.to_c();
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

    // Quality of one face. `landmarks`: 10 floats locating the face in `image`,
    // or nullptr when `image` is already aligned at input_size().
    Quality score(const ImageView& image, const float* landmarks = nullptr) const {
        const serfiq_image img = image.to_c();
        serfiq_quality q;
        detail::check(serfiq_score(handle_.get(), &img, landmarks, &q));
        return Quality{q.s, q.q};
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
        out.quality = Quality{q.s, q.q};
        out.embedding.resize(len);
        return out;
    }
    ScoredEmbedding score_embed(const ImageView& image, const Landmarks& landmarks) const {
        return score_embed(image, landmarks.data());
    }

    // Scores 1..=SERFIQ_MAX_BATCH images. `landmarks`: empty when every image is
    // an aligned crop, else one set per image. With `with_embeddings`, also
    // returns each image's embedding. Nothing is returned unless every image
    // succeeds (the first bad one is named in the error message).
    BatchResult score_batch(const std::vector<ImageView>& images, const std::vector<Landmarks>& landmarks = {},
                            bool with_embeddings = false) const {
        if (!landmarks.empty() && landmarks.size() != images.size()) {
            throw Error(Status::InvalidArgument, std::to_string(images.size()) + " images but " +
                                                     std::to_string(landmarks.size()) + " sets of landmarks");
        }
        const std::size_t count = images.size();
        std::vector<serfiq_image> imgs;
        imgs.reserve(count);
        for (const ImageView& v : images) imgs.push_back(v.to_c());
        // An empty batch keeps non-NULL pointers, so the library reports the
        // count (InvalidArgument) as it does for an oversized one.
        serfiq_image unused{};
        std::vector<serfiq_quality> qs(count == 0 ? 1 : count);
        std::vector<float> flat;
        std::size_t dim = 0;
        if (with_embeddings && count >= 1 && count <= SERFIQ_MAX_BATCH) {
            dim = embedding_size();
            flat.resize(count * dim);
        }
        detail::check(serfiq_score_batch(handle_.get(), imgs.empty() ? &unused : imgs.data(), count,
                                         landmarks.empty() ? nullptr : landmarks.front().data(), qs.data(),
                                         flat.empty() ? nullptr : flat.data(), flat.size()));
        BatchResult out;
        out.qualities.reserve(count);
        for (std::size_t i = 0; i < count; ++i) out.qualities.push_back(Quality{qs[i].s, qs[i].q});
        if (with_embeddings) {
            out.embeddings.reserve(count);
            for (std::size_t i = 0; i < count; ++i) {
                out.embeddings.emplace_back(flat.begin() + static_cast<std::ptrdiff_t>(i * dim),
                                            flat.begin() + static_cast<std::ptrdiff_t>((i + 1) * dim));
            }
        }
        return out;
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
    struct Deleter {
        void operator()(serfiq_model* model) const noexcept { serfiq_destroy(model); }
    };

    void create(const serfiq_options& options) {
        detail::check_abi();
        serfiq_model* model = nullptr;
        detail::check(serfiq_create(&options, &model));
        handle_.reset(model);
    }

    std::unique_ptr<serfiq_model, Deleter> handle_;
};

}  // namespace serfiq

#endif  // SERFIQ_HPP
