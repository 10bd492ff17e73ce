#include "loop/ticker.h"

#include <chrono>
#include <memory>
#include <thread>

#include "boost/asio/io_context.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "gtest/gtest.h"

namespace brisk::loop {
namespace {

using std::chrono::milliseconds;

TEST(TickerTest, OneTickPerArmUntilTheOwnerStopsArming) {
  boost::asio::io_context io;
  int ticks = 0;
  Ticker* self = nullptr;
  Ticker t(io, milliseconds(1), [&] {
    // The owner re-arms while it has something left to check.
    if (++ticks < 3) {
      self->Arm();
    }
  });
  self = &t;
  EXPECT_FALSE(t.armed());
  t.Arm();
  t.Arm();  // already armed: still one tick
  EXPECT_TRUE(t.armed());
  io.run();
  EXPECT_EQ(ticks, 3);
  EXPECT_FALSE(t.armed());
}

TEST(TickerTest, StopCancelsThePendingTickAndLaterArms) {
  boost::asio::io_context io;
  int ticks = 0;
  Ticker t(io, milliseconds(1), [&] { ++ticks; });
  t.Arm();
  t.Stop();
  t.Arm();
  io.run();
  EXPECT_EQ(ticks, 0);
}

// An owner destroyed on a shared loop after its tick's completion was
// queued: the completion runs with success and must not call back.
TEST(TickerTest, NoTickAfterTheTickerIsGone) {
  boost::asio::io_context io;
  int ticks = 0;
  auto t = std::make_unique<Ticker>(io, milliseconds(1), [&] { ++ticks; });
  // Expires first, so its completion runs first in the same pass.
  boost::asio::steady_timer first(io, milliseconds(0));
  first.async_wait([&](const boost::system::error_code&) { t.reset(); });
  t->Arm();
  std::this_thread::sleep_for(milliseconds(20));  // both have expired
  io.run();
  EXPECT_EQ(t, nullptr);
  EXPECT_EQ(ticks, 0);
}

}  // namespace
}  // namespace brisk::loop
