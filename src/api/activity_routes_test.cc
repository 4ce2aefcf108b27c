#include "api/activity_routes.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace coven::api {
namespace {

using core::ActivityState;

// Table: the activity filter takes a comma-separated list of state names.
TEST(ActivityRoutesTest, Filter) {
  auto none = ParseActivityFilter("all=true");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
  auto two = ParseActivityFilter("activity=asking,waiting&watch=true");
  ASSERT_TRUE(two.has_value());
  ASSERT_TRUE(two->has_value());
  EXPECT_EQ(**two, (std::set<ActivityState>{ActivityState::kAsking, ActivityState::kWaiting}));
  for (const char* bad : {"activity=", "activity=asking,", "activity=Asking", "activity=idle"}) {
    auto r = ParseActivityFilter(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_NE(r.error().message.find("unknown, working, waiting, asking"), std::string::npos);
  }
}

// The record's activity: null when not live, else its four fields.
TEST(ActivityRoutesTest, Json) {
  EXPECT_TRUE(ActivityJson(std::nullopt).is_null());
  core::Activity a{ActivityState::kWorking, 1'700'000'000'000'000'000, core::ActivitySource::kHook,
                   "Bash"};
  boost::json::value v = ActivityJson(a);
  EXPECT_EQ(v.at("state"), "working");
  EXPECT_EQ(v.at("since"), "2023-11-14T22:13:20.000000000Z");
  EXPECT_EQ(v.at("source"), "hook");
  EXPECT_EQ(v.at("detail"), "Bash");
}

}  // namespace
}  // namespace coven::api
