// File: loop/ticker.h
//
// Ticker: a periodic check on an event loop — the server loop's deadlines
// (server/loop.cc), HostPool's call deadlines and idle cleaning,
// PipelineClient's call and dial deadlines and idle connections.
// Deadlines are kept in the owner's lists, not in timers: arming one is a
// list insert, a call that ends cancels nothing, and one timer per owner
// calls the owner back `period` after it was armed, which checks them all
// (a deadline fires up to one period late). The owner re-arms from its
// callback while anything is left to check.
//
// Loop thread only. Arm() while armed, or after Stop(), does nothing. The
// callback never runs once the Ticker is destroyed, even when its timer's
// completion was already queued (an owner destroyed on a shared loop).
// Allocation: none per Arm() in steady state (Asio recycles the wait).

#ifndef BRISK_LOOP_TICKER_H_
#define BRISK_LOOP_TICKER_H_

#include <chrono>
#include <functional>
#include <memory>

#include "boost/asio/basic_waitable_timer.hpp"
#include "boost/asio/io_context.hpp"

namespace brisk::loop {

class Ticker {
 public:
  using Clock = std::chrono::steady_clock;

  // `on_tick` runs on the loop `period` after each Arm().
  Ticker(boost::asio::io_context& io, Clock::duration period,
         std::function<void()> on_tick);
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;

  // Calls on_tick once, `period` from now, unless already armed or stopped.
  void Arm();
  // Cancels the pending tick; Arm() does nothing from now on.
  void Stop();

  bool armed() const { return armed_; }

 private:
  boost::asio::basic_waitable_timer<Clock, boost::asio::wait_traits<Clock>,
                                    boost::asio::io_context::executor_type>
      timer_;
  const Clock::duration period_;
  const std::function<void()> on_tick_;
  bool armed_ = false;
  bool stopped_ = false;
  // Whether the Ticker is still there, for a completion already queued.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace brisk::loop

#endif  // BRISK_LOOP_TICKER_H_
