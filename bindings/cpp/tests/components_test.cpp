// Model::assess and Model::detect_assess: the component table equals the C
// API's for the fixture face (examples/c/score.c --components, written by
// `make fixtures` to face.components), and a bad feedback profile is
// Status::InvalidArgument.
#include <cmath>
#include <fstream>
#include <sstream>

#include "common.hpp"

namespace {

struct Row {
    std::string name, unit;
    float raw = 0, value = 0;
};

struct Table {
    std::vector<Row> rows;
    std::uint64_t bits = 0;
    std::vector<std::string> feedback;
};

// face.components: "components N", N lines "ID NAME UNIT... RAW VALUE", "feedback BITS NAME...".
Table c_table() {
    std::ifstream f(test::fixture_path("face.components"));
    std::string word, line;
    std::size_t count = 0;
    if (!(f >> word >> count) || word != "components") throw std::runtime_error("face.components: no header");
    std::getline(f, line);
    Table t;
    for (std::size_t i = 0; i < count; ++i) {
        if (!std::getline(f, line)) throw std::runtime_error("face.components: short");
        std::istringstream in(line);
        std::vector<std::string> parts;
        while (in >> word) parts.push_back(word);
        if (parts.size() < 5 || std::stoul(parts[0]) != i) throw std::runtime_error("face.components: bad row " + line);
        Row r;
        r.name = parts[1];
        for (std::size_t k = 2; k + 2 < parts.size(); ++k) r.unit += (k > 2 ? " " : "") + parts[k];
        r.raw = std::strtof(parts[parts.size() - 2].c_str(), nullptr);
        r.value = std::strtof(parts[parts.size() - 1].c_str(), nullptr);
        t.rows.push_back(r);
    }
    if (!(f >> word >> t.bits) || word != "feedback") throw std::runtime_error("face.components: no feedback line");
    while (f >> word) t.feedback.push_back(word);
    return t;
}

void expect_same(float got, float want, const std::string& what) {
    if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(got)) << what;
    } else {
        EXPECT_NEAR(got, want, 1e-5 * std::max(1.0f, std::fabs(want))) << what;
    }
}

}  // namespace

TEST(Components, CatalogComesFromTheLibrary) {
    const serfiq::Catalog& c = serfiq::catalog();
    ASSERT_EQ(c.components.size(), serfiq_component_count());
    EXPECT_EQ(c.components.at(1).name, "InterEyeDistance");
    EXPECT_EQ(c.components.at(1).unit, "px");
    ASSERT_EQ(c.feedback.size(), serfiq_feedback_count());
    EXPECT_EQ(c.feedback.at(7).name, "TOO_DARK");
    for (const serfiq::Feedback& f : c.feedback) EXPECT_FALSE(f.message.empty()) << f.name;
}

TEST(Components, AssessEqualsC) {
    const Table t = c_table();
    const test::Face& face = test::face();
    const serfiq::Assessment a = test::shared_model().assess(face.view(), face.landmarks);
    EXPECT_NEAR(a.face.quality.s, face.reference.s, 1e-6);
    ASSERT_EQ(a.components.size(), t.rows.size());
    for (std::size_t id = 0; id < t.rows.size(); ++id) {
        const Row& r = t.rows[id];
        const serfiq::Component& c = a.components.at(r.name);
        EXPECT_EQ(c.id, id);
        EXPECT_EQ(c.unit, r.unit);
        expect_same(c.raw, r.raw, r.name + " raw");
        expect_same(c.value, r.value, r.name + " value");
        EXPECT_EQ(c.assessed(), !std::isnan(r.value)) << r.name;
    }
    EXPECT_EQ(a.feedback_bits, t.bits);
    ASSERT_EQ(a.feedback.size(), t.feedback.size());
    for (std::size_t i = 0; i < t.feedback.size(); ++i) {
        EXPECT_EQ(a.feedback[i].name, t.feedback[i]);
        EXPECT_TRUE(a.has(t.feedback[i]));
    }
    EXPECT_FALSE(a.has("NO_SUCH_CODE"));
    EXPECT_FALSE(a.components.at("EyesOpen").assessed());
}

TEST(Components, DetectAssessOrdersAsDetectScore) {
    const test::Face& face = test::face();
    const serfiq::Model& m = test::shared_detector_model();
    const std::vector<serfiq::Assessment> all = m.detect_assess(face.view());
    const std::vector<serfiq::Face> scored = m.detect_score(face.view());
    ASSERT_EQ(all.size(), scored.size());
    ASSERT_FALSE(all.empty());
    for (std::size_t i = 0; i < all.size(); ++i) {
        EXPECT_EQ(all[i].face.box, scored[i].box);
        EXPECT_EQ(all[i].face.quality.s, scored[i].quality.s);
        EXPECT_TRUE(all[i].components.at("SingleFacePresent").assessed());
    }
    const serfiq::Assessment first = m.assess(face.view());
    EXPECT_EQ(first.face.box, all[0].face.box);
    EXPECT_EQ(first.feedback_bits, all[0].feedback_bits);
    EXPECT_TRUE(m.detect_assess(test::noface().view()).empty());
    test::expect_error(serfiq::Status::NoFace, [&] { m.assess(test::noface().view()); });
}

TEST(Components, FeedbackProfileOption) {
    serfiq::Options o;
    o.feedback_profile = "live;max_yaw=20";
    serfiq::Model live(test::model_path(), o);
    EXPECT_EQ(live.options().feedback_profile, std::optional<std::string>("live;max_yaw=20"));
    EXPECT_FALSE(serfiq::Model(test::model_path()).options().feedback_profile.has_value());
    for (const char* bad : {"no-such-preset", "live;no_such_key=1", "live;max_yaw=abc"}) {
        o.feedback_profile = bad;
        test::expect_error(serfiq::Status::InvalidArgument, [&] { serfiq::Model(test::model_path(), o); });
    }
}
