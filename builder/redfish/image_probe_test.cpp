// SPDX-License-Identifier: GPL-2.0-or-later
#include "redfish/image_probe.hpp"

#include "util/error.hpp"

#include <gtest/gtest.h>

namespace imgbuild::redfish {
namespace {

TEST(RedfishImageProbe, Verdicts) {
  ImageProbe good{true, {}, 206, true, 4096};
  EXPECT_NE(judge_image_probe(good, "http://h/x.iso", 4096).find("Range support, 4096 bytes"), std::string::npos);
  EXPECT_THROW(judge_image_probe(good, "http://h/x.iso", 4097), Error);  // another file
  ImageProbe no_ranges{true, {}, 200, false, 4096};
  try {
    judge_image_probe(no_ranges, "http://h/x.iso", 4096);
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ignores Range requests"), std::string::npos) << e.what();
  }
  ImageProbe missing{true, {}, 404, false, -1};
  EXPECT_THROW(judge_image_probe(missing, "http://h/x.iso", 4096), Error);
  ImageProbe unreachable{false, "Could not resolve host: h", 0, false, -1};
  EXPECT_NE(judge_image_probe(unreachable, "http://h/x.iso", 4096).find("the BMC may reach it"), std::string::npos);
}

TEST(RedfishImageProbe, UnreachableIsNotAnError) {
  ImageProbe probe = probe_image("http://127.0.0.1:1/x.iso", 5);
  EXPECT_FALSE(probe.reached);
  EXPECT_FALSE(probe.problem.empty());
}

}  // namespace
}  // namespace imgbuild::redfish
