//! The optional second quality network: any ONNX model that maps an aligned
//! face to one number, higher = better (e.g. LightQNet). Its input spec is
//! text, from the options or from the file's `serfiq.quality_input` metadata;
//! the face is warped for it from the same pixels, at its own size, in the
//! same call as the recognition model.

use std::fmt;

use ort::session::Session;
use ort::value::TensorRef;

use crate::align::{Similarity, ARCFACE_112};
use crate::error::{fail, Error, ErrorKind, Result};
use crate::image::ImageView;
use crate::options::MAX_NORMALISED;
use crate::pool::{Pool, SessionConfig};

/// Metadata key holding the network's input spec, in [`QualityInput`]'s text form.
pub const QUALITY_INPUT_KEY: &str = "serfiq.quality_input";

/// Smallest input side a quality network may have.
pub const MIN_QUALITY_SIDE: u32 = 16;

/// How the quality network wants its square input.
#[derive(Debug, Clone, PartialEq)]
pub struct QualityInput {
    /// Width and height of the aligned face, in pixels.
    pub side: u32,
    /// true: [N, 3, side, side]; false: [N, side, side, 3].
    pub nchw: bool,
    /// true: BGR channel order; false: RGB.
    pub bgr: bool,
    /// Subtracted from the 0–255 values, per channel in the network's order.
    pub mean: [f32; 3],
    /// Divides each channel after `mean` is subtracted.
    pub std: [f32; 3],
}

impl QualityInput {
    /// Parses "side=96;layout=nhwc;channels=rgb;mean=128;std=128" (mean and
    /// std: one value or three, in the network's channel order). Every key
    /// is required once; anything else fails with `kind`, naming `origin`.
    pub fn parse(text: &str, kind: ErrorKind, origin: &str) -> Result<QualityInput> {
        let bad = |why: String| fail(kind, format!("{origin} {text:?}: {why}"));
        let mut fields: [Option<&str>; 5] = [None; 5];
        const KEYS: [&str; 5] = ["side", "layout", "channels", "mean", "std"];
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((k, v)) = part.split_once('=') else { return bad(format!("{part:?} is not key=value")) };
            let Some(i) = KEYS.iter().position(|&x| x == k.trim()) else {
                return bad(format!("unknown key {:?} (expected {})", k.trim(), KEYS.join(", ")));
            };
            if fields[i].replace(v.trim()).is_some() {
                return bad(format!("key {:?} is given twice", KEYS[i]));
            }
        }
        if let Some(i) = fields.iter().position(Option::is_none) {
            return bad(format!("key {:?} is missing", KEYS[i]));
        }
        let [side, layout, channels, mean, std] = fields.map(Option::unwrap_or_default);
        let side = match side.parse::<u32>() {
            Ok(s) if (MIN_QUALITY_SIDE..=crate::MAX_INPUT_SIDE as u32).contains(&s) => s,
            _ => return bad(format!("side must be a whole number in {MIN_QUALITY_SIDE}..={}", crate::MAX_INPUT_SIDE)),
        };
        let nchw = match layout {
            "nchw" => true,
            "nhwc" => false,
            _ => return bad("layout must be nchw or nhwc".to_string()),
        };
        let bgr = match channels {
            "bgr" => true,
            "rgb" => false,
            _ => return bad("channels must be rgb or bgr".to_string()),
        };
        let three = |v: &str| -> Option<[f32; 3]> {
            let xs: Option<Vec<f32>> = v.split(',').map(|x| x.trim().parse::<f32>().ok()).collect();
            match *xs?.as_slice() {
                [a] => Some([a; 3]),
                [a, b, c] => Some([a, b, c]),
                _ => None,
            }
        };
        let (Some(mean), Some(std)) = (three(mean), three(std)) else {
            return bad("mean and std must each be one number or three, comma-separated".to_string());
        };
        let within = |m: f32, s: f32| [0.0f32, 255.0].iter().all(|x| ((x - m) / s).abs() <= MAX_NORMALISED);
        if mean.iter().zip(&std).any(|(&m, &s)| s == 0.0 || !within(m, s)) {
            return bad(format!(
                "std must be non-zero and (x - mean) / std within ±{MAX_NORMALISED:e} for x in 0..=255"
            ));
        }
        Ok(QualityInput { side, nchw, bgr, mean, std })
    }

    /// Floats in one image's input tensor.
    pub fn tensor_len(&self) -> usize {
        3 * self.side as usize * self.side as usize
    }

    /// The tensor shape for `n` images.
    fn shape(&self, n: usize) -> [usize; 4] {
        let s = self.side as usize;
        if self.nchw {
            [n, 3, s, s]
        } else {
            [n, s, s, 3]
        }
    }

    /// The ArcFace template scaled to this side.
    fn template(&self) -> [[f64; 2]; 5] {
        let k = self.side as f64 / 112.0;
        ARCFACE_112.map(|p| [p[0] as f64 * k, p[1] as f64 * k])
    }

    /// The map from a recognition crop (template `crop_template`) into this
    /// network's crop: a scale for square crops, the closest similarity otherwise.
    pub(crate) fn map_from_crop(&self, crop_template: &[[f64; 2]; 5]) -> Similarity {
        Similarity::fit(crop_template, &self.template()).unwrap_or(Similarity { a: 1.0, b: 0.0, tx: 0.0, ty: 0.0 })
    }

    /// Writes the face that `to_net` maps `image` into as this network's
    /// normalised input (`out`: `tensor_len` floats), sampling bilinearly.
    pub(crate) fn fill(&self, image: &ImageView, to_net: &Similarity, out: &mut [f32]) {
        let back = to_net.inverse();
        let s = self.side as usize;
        let order = if self.bgr { [2, 1, 0] } else { [0, 1, 2] };
        let scale = self.std.map(|v| 1.0 / v);
        for y in 0..s {
            for x in 0..s {
                let rgb = crate::align::sample_bilinear(image, back.apply([x as f64, y as f64]));
                for (c, &src) in order.iter().enumerate() {
                    let at = if self.nchw { c * s * s + y * s + x } else { (y * s + x) * 3 + c };
                    out[at] = (rgb[src] - self.mean[c]) * scale[c];
                }
            }
        }
    }
}

impl fmt::Display for QualityInput {
    /// The text [`QualityInput::parse`] reads back to the same spec.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |v: [f32; 3]| {
            if v[0] == v[1] && v[1] == v[2] {
                format!("{:?}", v[0])
            } else {
                format!("{:?},{:?},{:?}", v[0], v[1], v[2])
            }
        };
        write!(
            f,
            "side={};layout={};channels={};mean={};std={}",
            self.side,
            if self.nchw { "nchw" } else { "nhwc" },
            if self.bgr { "bgr" } else { "rgb" },
            list(self.mean),
            list(self.std)
        )
    }
}

/// `net_bytes` with `spec` written into its `serfiq.quality_input` metadata
/// (replacing any value there), so that it needs no spec option. Fails with
/// `ErrorKind::ModelInvalid` when the bytes are not a model, and as
/// `graph::parse` for a model serfiq refuses.
pub fn with_spec(net_bytes: &[u8], spec: &QualityInput) -> Result<Vec<u8>> {
    use onnx_protobuf::Message;
    let mut model = crate::graph::parse(net_bytes)?;
    crate::calibration::set_prop(&mut model, QUALITY_INPUT_KEY, Some(spec.to_string()));
    model
        .write_to_bytes()
        .map_err(|e| Error::new(ErrorKind::ModelInvalid, format!("could not serialise the network: {e}")))
}

/// A loaded quality network in its own session pool.
pub(crate) struct QualityNet {
    pub spec: QualityInput,
    io: crate::graph::QualityIo,
    pool: Pool,
}

impl QualityNet {
    /// Checks the network's bytes as a recognition model's are checked
    /// (self-contained, no refused operator, bounded input), takes its spec
    /// from `spec_text` or else its metadata, and runs it once on a grey face.
    pub fn new(bytes: Vec<u8>, spec_text: Option<&str>, config: SessionConfig) -> Result<QualityNet> {
        if bytes.is_empty() {
            return fail(ErrorKind::ModelInvalid, "the quality network is empty (0 bytes)");
        }
        let proto = crate::graph::parse(&bytes).map_err(in_net)?;
        let spec = match spec_text {
            Some(t) => QualityInput::parse(t, ErrorKind::InvalidArgument, "quality_net_spec")?,
            None => match proto.metadata_props.iter().find(|p| p.key == QUALITY_INPUT_KEY) {
                Some(p) => QualityInput::parse(&p.value, ErrorKind::ModelInvalid, &format!("metadata {QUALITY_INPUT_KEY}"))
                    .map_err(in_net)?,
                None => {
                    return fail(
                        ErrorKind::ModelInvalid,
                        format!("the quality network has no {QUALITY_INPUT_KEY} metadata; give its input with the quality_net_spec option, e.g. \"side=96;layout=nhwc;channels=rgb;mean=128;std=128\""),
                    )
                }
            },
        };
        let io = crate::graph::quality_io(&proto, &spec.shape(1)).map_err(in_net)?;
        drop(proto);
        let net = QualityNet { spec, io, pool: Pool::new(bytes, config) };
        let grey = crate::run::zeroed(net.spec.tensor_len())?;
        let l = net.pool.with(|sess| net.infer(sess, &grey, 1)).map_err(in_net)?;
        if !l[0].is_finite() {
            return fail(
                ErrorKind::UnsupportedModel,
                "the quality network's first run (a grey face) gave NaN or infinity",
            );
        }
        Ok(net)
    }

    /// l for `n` prepared faces (one run, or one per face for a network of batch 1).
    pub fn run(&self, input: &[f32], n: usize) -> Result<Vec<f32>> {
        if !self.io.one_at_a_time {
            return self.pool.with(|sess| self.infer(sess, input, n));
        }
        self.pool.with(|sess| {
            let per = self.spec.tensor_len();
            input.chunks(per).take(n).try_fold(Vec::with_capacity(n), |mut all, one| {
                all.extend(self.infer(sess, one, 1)?);
                Ok(all)
            })
        })
    }

    fn infer(&self, sess: &mut Session, input: &[f32], n: usize) -> Result<Vec<f32>> {
        let err = |e: ort::Error| Error::new(ErrorKind::Inference, format!("ONNX Runtime failed: {e}"));
        let tensor = TensorRef::from_array_view((self.spec.shape(n), input)).map_err(err)?;
        let outputs = {
            let _flushed = crate::fpu::Flushed::on();
            sess.run(ort::inputs![self.io.input.as_str() => tensor]).map_err(err)?
        };
        let (_, data) = outputs[self.io.output.as_str()].try_extract_tensor::<f32>().map_err(err)?;
        if data.len() != n {
            return fail(
                ErrorKind::UnsupportedModel,
                format!(
                    "the quality network's output '{}' has {} values for {n} faces, expected one each",
                    self.io.output,
                    data.len()
                ),
            );
        }
        Ok(data.to_vec())
    }
}

/// Says that an error is about the quality network, not the recognition model.
fn in_net(e: Error) -> Error {
    Error { message: format!("quality network: {}", e.message), ..e }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_text_round_trips() {
        let k = ErrorKind::InvalidArgument;
        let a = QualityInput::parse("side=96;layout=nhwc;channels=rgb;mean=128;std=128", k, "t").unwrap();
        assert_eq!(a, QualityInput { side: 96, nchw: false, bgr: false, mean: [128.0; 3], std: [128.0; 3] });
        assert_eq!(QualityInput::parse(&a.to_string(), k, "t").unwrap(), a);
        let b = QualityInput::parse(" std=1,2,3 ; mean=0.5,1,2;channels=bgr;layout=nchw;side=112;", k, "t").unwrap();
        assert_eq!((b.mean, b.std, b.bgr, b.nchw), ([0.5, 1.0, 2.0], [1.0, 2.0, 3.0], true, true));
        assert_eq!(QualityInput::parse(&b.to_string(), k, "t").unwrap(), b);
    }

    #[test]
    fn bad_spec_text_is_refused_with_the_kind_given() {
        for text in [
            "",
            "side=96;layout=nhwc;channels=rgb;mean=128",
            "side=96;layout=nhwc;channels=rgb;mean=128;std=0",
            "side=96;layout=nhwc;channels=rgb;mean=128;std=1e-9",
            "side=8;layout=nhwc;channels=rgb;mean=128;std=128",
            "side=4096;layout=nhwc;channels=rgb;mean=128;std=128",
            "side=96;layout=hwc;channels=rgb;mean=128;std=128",
            "side=96;layout=nhwc;channels=yuv;mean=128;std=128",
            "side=96;layout=nhwc;channels=rgb;mean=1,2;std=128",
            "side=96;layout=nhwc;channels=rgb;mean=128;std=128;side=96",
            "side=96;layout=nhwc;channels=rgb;mean=128;std=128;gamma=2",
            "side=96;layout=nhwc;channels=rgb;mean=nan;std=128",
            "side=96 layout=nhwc",
        ] {
            let e = QualityInput::parse(text, ErrorKind::ModelInvalid, "metadata").unwrap_err();
            assert_eq!(e.kind, ErrorKind::ModelInvalid, "{text:?}");
            assert!(e.message.starts_with("metadata"), "{}", e.message);
        }
    }

    #[test]
    fn a_square_crop_maps_by_scale_alone() {
        let spec =
            QualityInput::parse("side=96;layout=nhwc;channels=rgb;mean=128;std=128", ErrorKind::InvalidArgument, "t")
                .unwrap();
        let t112 = ARCFACE_112.map(|p| [p[0] as f64, p[1] as f64]);
        let m = spec.map_from_crop(&t112);
        assert!(
            (m.a - 96.0 / 112.0).abs() < 1e-9 && m.b.abs() < 1e-9 && m.tx.abs() < 1e-9 && m.ty.abs() < 1e-9,
            "{m:?}"
        );
    }
}
