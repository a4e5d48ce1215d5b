// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// A clock for tests: sleeping advances it at once and is recorded.

#include "redfish/client.hpp"

#include <vector>

namespace imgbuild::redfish {

class FakeClock : public Clock {
 public:
  std::chrono::steady_clock::time_point now() override { return m_now; }
  void sleep(std::chrono::milliseconds duration) override {
    m_sleeps.push_back(duration.count());
    m_now += duration;
  }
  const std::vector<long long>& sleeps() const { return m_sleeps; }

 private:
  std::chrono::steady_clock::time_point m_now{};
  std::vector<long long> m_sleeps;
};

}  // namespace imgbuild::redfish
