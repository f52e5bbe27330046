// (f) Double-include test, second translation unit: the C header first.
#include "serfiq.h"
#include "serfiq.hpp"
#include "serfiq.h"
#include "serfiq.hpp"

#include <string>

std::string double_include_b_name() { return serfiq::status_name(serfiq::Status::ModelNotFound); }
std::size_t double_include_b_bpp() { return serfiq::bytes_per_pixel(serfiq::PixelFormat::Bgra); }

// The rest of the header, instantiated here too (never called).
void double_include_b_odr_use(const serfiq::Model& m, const serfiq::ImageView& v) {
    serfiq::Options o;
    (void)o.to_c();
    (void)m.score(v);
    (void)m.embed(v);
    (void)m.score_embed(v);
    (void)m.score_batch({v});
    (void)m.embedding_size();
    (void)m.input_size();
    (void)serfiq::Model::from_bytes(nullptr, 0, o);
}
