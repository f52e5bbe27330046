// (f) Double-include test, first translation unit: serfiq.hpp and serfiq.h
// included twice each, in both orders, then linked with double_include_b.cpp.
// Every inline function of the header is odr-used in both units.
#include "serfiq.hpp"
#include "serfiq.h"
#include "serfiq.hpp"
#include "serfiq.h"

#include <gtest/gtest.h>

#include <string>

std::string double_include_b_name();  // from double_include_b.cpp
std::size_t double_include_b_bpp();

namespace {
std::string name_here() { return serfiq::status_name(serfiq::Status::ModelNotFound); }
}  // namespace

TEST(DoubleInclude, BothUnitsAgree) {
    EXPECT_EQ(name_here(), "SERFIQ_ERR_MODEL_NOT_FOUND");
    EXPECT_EQ(double_include_b_name(), name_here());
    EXPECT_EQ(double_include_b_bpp(), serfiq::bytes_per_pixel(serfiq::PixelFormat::Bgra));
    EXPECT_EQ(serfiq_abi_version(), serfiq::abi_version());
}
