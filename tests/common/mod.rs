//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serfiq_core::{ImageView, Model, Options, PixelFormat};

/// The workspace root (the tests run from the root package and from cli/).
pub fn repo() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if dir.join("Cargo.lock").exists() {
        dir
    } else {
        dir.parent().expect("a member crate sits in the workspace").to_path_buf()
    }
}

fn cache() -> PathBuf {
    std::env::var_os("SERFIQ_CACHE").map(PathBuf::from).unwrap_or_else(|| repo().join(".cache"))
}

/// The fetched files these tests need, or `false` (after saying so) without them.
pub fn have_cache() -> bool {
    let cache = std::env::var_os("SERFIQ_CACHE").map(PathBuf::from).unwrap_or_else(|| repo().join(".cache"));
    let ort_set = std::env::var_os("SERFIQ_ORT_LIB").is_some_and(|p| !p.is_empty());
    let mut needed = vec![cache.join("models/fr_feature.onnx"), cache.join("faces/obama.jpg")];
    if !ort_set {
        needed.push(cache.join("onnxruntime/lib/libonnxruntime.so.1.31.1"));
    }
    match needed.iter().find(|p| !p.exists()) {
        Some(p) => {
            eprintln!("skipping: {} is missing (run `make fetch`)", p.display());
            false
        }
        None => true,
    }
}

/// A file the set-up (`scripts/fetch.sh`) provides; the tests cannot run without it.
pub fn fetched(rel: &str) -> PathBuf {
    let p = cache().join(rel);
    assert!(p.exists(), "{} is missing: run `make fetch` (scripts/fetch.sh) first", p.display());
    p
}

/// The ONNX Runtime library: `SERFIQ_ORT_LIB` (e.g. the GPU build for
/// scripts/gpu-check.sh), else the one the set-up fetched.
pub fn ort_lib() -> PathBuf {
    match std::env::var_os("SERFIQ_ORT_LIB") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => fetched("onnxruntime/lib/libonnxruntime.so.1.31.1"),
    }
}

pub fn default_model() -> PathBuf {
    fetched("models/fr_feature.onnx")
}

/// `../shared/data/<rel>` when present (research data, never committed).
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let p =
        std::env::var_os("SERFIQ_DATA").map(PathBuf::from).unwrap_or_else(|| repo().join("../shared/data")).join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipping: {} is absent", p.display());
        None
    }
}

/// The JPEG and PNG files in `dir` and its subfolders, sorted.
pub fn images_in(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for p in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())).flatten().map(|e| e.path()) {
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| ["jpg", "jpeg", "png"].contains(&x.to_string_lossy().as_ref())) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

pub fn options(model: &Path) -> Options {
    Options { ort_library: Some(ort_lib()), ..Options::from_path(model) }
}

pub fn load(model: &Path) -> Model {
    Model::new(&options(model)).unwrap_or_else(|e| panic!("{:?}: {}", e.kind, e.message))
}

/// An RGB image decoded by the `image` crate.
pub struct Rgb {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl Rgb {
    pub fn open(path: &Path) -> Rgb {
        let img = image::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).to_rgb8();
        Rgb { width: img.width(), height: img.height(), data: img.into_raw() }
    }

    pub fn view(&self) -> ImageView<'_> {
        ImageView::packed(&self.data, self.width, self.height, PixelFormat::Rgb).unwrap()
    }
}

/// Landmarks of the demo faces, from data/faces/landmarks.json.
pub fn demo_landmarks(name: &str) -> serfiq_core::Landmarks {
    landmarks::for_photo(Path::new(name)).unwrap_or_else(|e| panic!("{e}"))
}

/// The reader the examples use for data/faces/landmarks.json.
#[path = "../../examples/shared/landmarks.rs"]
mod landmarks;

// ---------------------------------------------------------------------------
// Faces to test with, and preprocessing written independently of serfiq.
// ---------------------------------------------------------------------------

/// A face for the tests: an aligned LFW crop (no landmarks) when the research
/// data is present, otherwise a demo photo with its landmarks.
pub struct TestFace {
    pub name: String,
    pub img: Rgb,
    pub landmarks: Option<serfiq_core::Landmarks>,
}

impl TestFace {
    pub fn face(&self) -> serfiq_core::Face<'_> {
        serfiq_core::Face { image: self.img.view(), landmarks: self.landmarks }
    }
}

/// `../shared/data/lfw/aligned112/<Name>/<Name>_<NNNN>.jpg`.
pub fn lfw_image_path(root: &Path, name: &str, index: u32) -> PathBuf {
    root.join(name).join(format!("{name}_{index:04}.jpg"))
}

/// The LFW pairs (first 5 View-2 folds): (name1, i1, name2, i2, genuine).
pub fn lfw_pairs(pairs_txt: &Path) -> Vec<(String, u32, String, u32, bool)> {
    let text = std::fs::read_to_string(pairs_txt).unwrap();
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.len() {
            3 => out.push((f[0].to_string(), f[1].parse().unwrap(), f[0].to_string(), f[2].parse().unwrap(), true)),
            4 => out.push((f[0].to_string(), f[1].parse().unwrap(), f[2].to_string(), f[3].parse().unwrap(), false)),
            0 => {}
            _ => panic!("bad line in pairs.txt: {line:?}"),
        }
    }
    out
}

/// `n` distinct faces: aligned LFW crops (the images of the first pairs, in
/// order) when present, otherwise the demo photos with landmarks, repeated.
pub fn test_faces(n: usize) -> Vec<TestFace> {
    if let (Some(root), Some(pairs)) = (shared_data("lfw/aligned112"), shared_data("lfw/pairs.txt")) {
        let mut names: Vec<(String, u32)> = Vec::new();
        for (n1, i1, n2, i2, _) in lfw_pairs(&pairs) {
            for key in [(n1, i1), (n2, i2)] {
                if !names.contains(&key) {
                    names.push(key);
                }
            }
            if names.len() >= n {
                break;
            }
        }
        return names
            .into_iter()
            .take(n)
            .map(|(name, i)| {
                let img = Rgb::open(&lfw_image_path(&root, &name, i));
                assert_eq!((img.width, img.height), (112, 112), "{name} {i} is not an aligned 112x112 crop");
                TestFace { name: format!("{name}_{i:04}"), img, landmarks: None }
            })
            .collect();
    }
    demo_faces(n)
}

/// `n` demo photos (fetched by scripts/fetch.sh) with their landmarks, repeated as needed.
pub fn demo_faces(n: usize) -> Vec<TestFace> {
    let demo = ["obama.jpg", "biden.jpg", "obama2.jpg", "obama3.jpg"];
    (0..n)
        .map(|k| {
            let name = demo[k % demo.len()];
            TestFace {
                name: name.to_string(),
                img: Rgb::open(&fetched(&format!("faces/{name}"))),
                landmarks: Some(demo_landmarks(name)),
            }
        })
        .collect()
}

/// The input tensor of one face for a 112×112 RGB (x − 127.5)/128 model. An
/// aligned crop is preprocessed here, independently of serfiq; a photo with
/// landmarks goes through serfiq's alignment (alignment is tested elsewhere).
pub fn face_tensor(f: &TestFace) -> Vec<f32> {
    match f.landmarks {
        None => preprocess_aligned(&f.img),
        Some(lm) => {
            let spec = serfiq_core::align::InputSpec {
                width: 112,
                height: 112,
                bgr: false,
                mean: [127.5; 3],
                std: [128.0; 3],
            };
            let mut out = vec![0.0; spec.tensor_len()];
            spec.fill(&f.img.view(), Some(&lm), &mut out).unwrap();
            out
        }
    }
}

/// (x − 127.5)/128, RGB planes, NCHW with N = 1.
pub fn preprocess_aligned(img: &Rgb) -> Vec<f32> {
    let (w, h) = (img.width as usize, img.height as usize);
    let mut out = vec![0.0f32; 3 * w * h];
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                out[c * w * h + y * w + x] = (img.data[(y * w + x) * 3 + c] as f32 - 127.5) / 128.0;
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// ONNX Runtime and ONNX graphs, used directly (not through serfiq_core::Model).
// ---------------------------------------------------------------------------

pub fn ort_env() -> ort::environment::Environment {
    serfiq_core::runtime::ensure_loaded(Some(&ort_lib()), serfiq_core::Search::Default)
        .unwrap_or_else(|e| panic!("{:?}: {}", e.kind, e.message))
        .env
}

/// Runs ONNX model bytes as they are on one NCHW tensor and returns the named
/// outputs, flattened. Graph optimisations are off: the reference is the graph
/// as written (ONNX Runtime's level-3 layout rewrite alone moves 128-d
/// embeddings of norm ~16 by up to ~8e-6).
pub fn run_onnx(bytes: &[u8], input: &str, shape: [usize; 4], tensor: &[f32], outputs: &[&str]) -> Vec<Vec<f32>> {
    use ort::session::builder::GraphOptimizationLevel;
    let env = ort_env();
    let mut session = ort::session::Session::builder(&env)
        .unwrap()
        .with_optimization_level(GraphOptimizationLevel::Disable)
        .unwrap()
        .commit_from_memory(bytes)
        .unwrap();
    let t = ort::value::TensorRef::from_array_view((shape, tensor)).unwrap();
    let out = session.run(ort::inputs![input => t]).unwrap();
    outputs.iter().map(|&name| out[name].try_extract_tensor::<f32>().unwrap().1.to_vec()).collect()
}

/// `bytes` with the tensor `name` added as an extra float graph output.
pub fn with_extra_output(bytes: &[u8], name: &str) -> Vec<u8> {
    use onnx_protobuf::Message;
    let mut m = onnx_protobuf::ModelProto::parse_from_bytes(bytes).unwrap();
    let mut out = onnx_protobuf::ValueInfoProto::new();
    out.name = name.to_string();
    let mut tt = onnx_protobuf::type_proto::Tensor::new();
    tt.elem_type = onnx_protobuf::tensor_proto::DataType::FLOAT as i32;
    let mut ty = onnx_protobuf::TypeProto::new();
    ty.value = Some(onnx_protobuf::type_proto::Value::TensorType(tt));
    out.type_ = Some(ty).into();
    m.graph.mut_or_insert_default().output.push(out);
    m.write_to_bytes().unwrap()
}

/// An initializer as f64 values with its dims.
pub fn initializer(m: &onnx_protobuf::ModelProto, name: &str) -> (Vec<i64>, Vec<f64>) {
    let t = m.graph.initializer.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("no initializer {name}"));
    assert_eq!(t.data_type, onnx_protobuf::tensor_proto::DataType::FLOAT as i32, "{name} is not float32");
    let v: Vec<f64> = if t.raw_data.is_empty() {
        t.float_data.iter().map(|&v| v as f64).collect()
    } else {
        t.raw_data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64).collect()
    };
    assert_eq!(v.len() as i64, t.dims.iter().product::<i64>(), "{name}");
    (t.dims.clone(), v)
}

/// Builders for small ONNX graphs.
pub mod hostile;

pub mod onnx {
    use onnx_protobuf::{
        attribute_proto::AttributeType, tensor_proto::DataType, tensor_shape_proto::dimension::Value as Dim,
        type_proto, AttributeProto, GraphProto, Message, ModelProto, NodeProto, OperatorSetIdProto, TensorProto,
        TensorShapeProto, TypeProto, ValueInfoProto,
    };

    pub fn value_info(name: &str, dims: &[i64]) -> ValueInfoProto {
        let mut shape = TensorShapeProto::new();
        for &d in dims {
            let mut dim = onnx_protobuf::tensor_shape_proto::Dimension::new();
            dim.value = Some(Dim::DimValue(d));
            shape.dim.push(dim);
        }
        let mut tt = type_proto::Tensor::new();
        tt.elem_type = DataType::FLOAT as i32;
        tt.shape = Some(shape).into();
        let mut ty = TypeProto::new();
        ty.value = Some(type_proto::Value::TensorType(tt));
        let mut v = ValueInfoProto::new();
        v.name = name.to_string();
        v.type_ = Some(ty).into();
        v
    }

    pub fn tensor(name: &str, dims: &[i64], values: &[f32]) -> TensorProto {
        assert_eq!(values.len() as i64, dims.iter().product::<i64>());
        let mut t = TensorProto::new();
        t.name = name.to_string();
        t.dims = dims.to_vec();
        t.data_type = DataType::FLOAT as i32;
        t.raw_data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        t
    }

    pub enum A<'a> {
        I(&'a str, i64),
        F(&'a str, f32),
        Ints(&'a str, &'a [i64]),
    }

    pub fn node(op: &str, name: &str, inputs: &[&str], output: &str, attrs: &[A]) -> NodeProto {
        let mut n = NodeProto::new();
        n.op_type = op.to_string();
        n.name = name.to_string();
        n.input = inputs.iter().map(|s| s.to_string()).collect();
        n.output = vec![output.to_string()];
        for a in attrs {
            let mut p = AttributeProto::new();
            match *a {
                A::I(k, v) => {
                    p.name = k.into();
                    p.i = v;
                    p.type_ = AttributeType::INT.into();
                }
                A::F(k, v) => {
                    p.name = k.into();
                    p.f = v;
                    p.type_ = AttributeType::FLOAT.into();
                }
                A::Ints(k, v) => {
                    p.name = k.into();
                    p.ints = v.to_vec();
                    p.type_ = AttributeType::INTS.into();
                }
            }
            n.attribute.push(p);
        }
        n
    }

    /// A model of one graph at opset 13.
    pub fn model(
        nodes: Vec<NodeProto>,
        inits: Vec<TensorProto>,
        input: ValueInfoProto,
        output: ValueInfoProto,
    ) -> Vec<u8> {
        let mut g = GraphProto::new();
        g.name = "synthetic".into();
        g.node = nodes;
        g.initializer = inits;
        g.input = vec![input];
        g.output = vec![output];
        let mut m = ModelProto::new();
        m.ir_version = 8;
        m.producer_name = "serfiq-tests".into();
        let mut op = OperatorSetIdProto::new();
        op.version = 13;
        m.opset_import = vec![op];
        m.graph = Some(g).into();
        m.write_to_bytes().unwrap()
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014), written here again so that the
/// tests do not trust serfiq's copy.
pub struct Mix(pub u64);

impl Mix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "lengths differ");
    assert!(a.iter().chain(b).all(|v| v.is_finite()), "non-finite values");
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}
