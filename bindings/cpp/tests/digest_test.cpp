// Options::model_sha256 pins the model: the right digest loads it, another one
// fails with Status::ModelDigestMismatch. The expected digest comes from outside
// the library: env SERFIQ_MODEL_SHA256, which bindings/cpp/test.sh computes with
// sha256sum over SERFIQ_MODEL.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <string>

#include "common.hpp"

namespace {

using serfiq::Status;
using test::expect_error;

std::string model_sha256() {
    const std::string d = test::env("SERFIQ_MODEL_SHA256");
    if (d.size() != 64 || !std::all_of(d.begin(), d.end(), [](unsigned char c) { return std::isxdigit(c); })) {
        throw std::runtime_error("SERFIQ_MODEL_SHA256 is not 64 hex digits: " + d);
    }
    std::string lower = d;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower;
}

// Another digest: the last hex digit changed.
std::string wrong_sha256() {
    std::string d = model_sha256();
    d.back() = d.back() == '0' ? '1' : '0';
    return d;
}

serfiq::Options pinned(const std::string& digest) {
    serfiq::Options o;
    o.model_sha256 = digest;
    return o;
}

void expect_reference_quality(const serfiq::Model& m) {
    const test::Face& f = test::face();
    const serfiq::Quality q = m.score(f.view(), f.landmarks);
    EXPECT_NEAR(q.s, f.reference.s, 1e-6);
    EXPECT_NEAR(q.q, f.reference.q, 1e-6);
}

}  // namespace

TEST(ModelDigest, DefaultIsUnpinned) {
    const serfiq::Options o;
    EXPECT_FALSE(o.model_sha256.has_value());
    EXPECT_EQ(o.to_c().model_sha256, nullptr);
    const serfiq::Options p = pinned(model_sha256());
    const serfiq_options c = p.to_c();
    ASSERT_NE(c.model_sha256, nullptr);
    EXPECT_EQ(std::string(c.model_sha256), model_sha256());
}

TEST(ModelDigest, RightDigestLoads) {
    const serfiq::Model from_path(test::model_path(), pinned(model_sha256()));
    expect_reference_quality(from_path);
    const serfiq::Model from_bytes = serfiq::Model::from_bytes(test::read_bytes(test::model_path()), pinned(model_sha256()));
    EXPECT_EQ(from_bytes.embedding_size(), test::face().reference_embedding.size());

    std::string upper = model_sha256();  // hex digits in any case
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_NO_THROW(serfiq::Model(test::model_path(), pinned(upper)));
}

TEST(ModelDigest, WrongDigestThrowsModelDigestMismatch) {
    const std::string m = expect_error(Status::ModelDigestMismatch,
                                       [] { serfiq::Model(test::model_path(), pinned(wrong_sha256())); });
    EXPECT_NE(m.find(model_sha256()), std::string::npos) << m;  // names the model's real digest
    EXPECT_NE(m.find(wrong_sha256()), std::string::npos) << m;  // and the expected one
    expect_error(Status::ModelDigestMismatch, [] {
        serfiq::Model::from_bytes(test::read_bytes(test::model_path()), pinned(wrong_sha256()));
    });
    EXPECT_STREQ(serfiq::status_name(Status::ModelDigestMismatch), "SERFIQ_ERR_MODEL_DIGEST_MISMATCH");
}

TEST(ModelDigest, MalformedDigestIsInvalidArgument) {
    const std::string short_digest = model_sha256().substr(1);
    const std::string m = expect_error(Status::InvalidArgument,
                                       [&] { serfiq::Model(test::model_path(), pinned(short_digest)); });
    EXPECT_NE(m.find("model_sha256"), std::string::npos) << m;
    std::string not_hex = model_sha256();
    not_hex[0] = 'g';
    expect_error(Status::InvalidArgument, [&] { serfiq::Model(test::model_path(), pinned(not_hex)); });
}
