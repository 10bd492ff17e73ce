#include "loop/ticker.h"

#include <utility>

namespace brisk::loop {

Ticker::Ticker(boost::asio::io_context& io, Clock::duration period,
               std::function<void()> on_tick)
    : timer_(io), period_(period), on_tick_(std::move(on_tick)) {}

void Ticker::Arm() {
  if (armed_ || stopped_) {
    return;
  }
  armed_ = true;
  timer_.expires_after(period_);
  timer_.async_wait([this, alive = std::weak_ptr<int>(alive_)](
                        const boost::system::error_code& ec) {
    if (ec || alive.expired()) {
      return;  // stopped, or the Ticker is gone
    }
    armed_ = false;
    on_tick_();
  });
}

void Ticker::Stop() {
  stopped_ = true;
  timer_.cancel();
}

}  // namespace brisk::loop
