mod common;
use common::*;
#[test]
fn smoke() {
    let m = load(&default_model());
    println!("{:?} tap {} in {} out {}", m.info().input_chw, m.info().layer.tap, m.info().layer.in_features, m.info().layer.out_features);
    for name in ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"] {
        let img = Rgb::open(&fetched(&format!("faces/{name}")));
        let f = serfiq::Face { image: img.view(), landmarks: Some(demo_landmarks(name)) };
        let t = std::time::Instant::now();
        let q = m.score(&f).unwrap();
        println!("{name} {q:?} {:?}", t.elapsed());
    }
}
#[test]
fn kenneth() {
    let Some(p) = shared_data("models/recognize/kenneth_mobilefacenet_128.onnx") else { return };
    let m = load(&p);
    println!("{:?} {} tap {} in {} out {}", m.info().input_chw, m.info().layer.node, m.info().layer.tap, m.info().layer.in_features, m.info().layer.out_features);
    let img = Rgb::open(&fetched("faces/obama.jpg"));
    let f = serfiq::Face { image: img.view(), landmarks: Some(demo_landmarks("obama.jpg")) };
    println!("{:?}", m.score(&f).unwrap());
}
