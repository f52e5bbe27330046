// SearchPaths::ExplicitOnly in a process where ONNX Runtime is not loaded yet
// (its own executable: ONNX Runtime is loaded once per process). SERFIQ_ORT_LIB
// names the real library, as bindings/cpp/test.sh sets it, and is not read.
#include <gtest/gtest.h>

#include <string>

#include "common.hpp"

TEST(SearchPaths, ExplicitOnlyIgnoresTheEnvironment) {
    ASSERT_FALSE(test::env("SERFIQ_ORT_LIB").empty());
    serfiq::Options o;
    o.search_paths = serfiq::SearchPaths::ExplicitOnly;
    const std::string m =
        test::expect_error(serfiq::Status::RuntimeNotFound, [&] { serfiq::Model(test::model_path(), o); });
    EXPECT_NE(m.find("explicit-only"), std::string::npos) << m;
    // The control: the default search takes SERFIQ_ORT_LIB.
    o.search_paths = serfiq::SearchPaths::Default;
    const serfiq::Model loaded(test::model_path(), o);
    // Loaded now: explicit-only with that library's path works, and (documented) still
    // needs the path: the answer does not depend on what loaded ONNX Runtime before.
    o.search_paths = serfiq::SearchPaths::ExplicitOnly;
    o.ort_library_path = test::env("SERFIQ_ORT_LIB");
    EXPECT_NO_THROW(serfiq::Model(test::model_path(), o));
    o.ort_library_path.reset();
    test::expect_error(serfiq::Status::RuntimeNotFound, [&] { serfiq::Model(test::model_path(), o); });
}
