#include "session/session.h"

#include "emu/state.h"

namespace kjump {

Session::Session(SessionOptions options, SessionObserver* observer)
    : opt_(std::move(options)), observer_(observer), trace_(opt_.capture_trace, std::move(opt_.golden)) {
  if (opt_.replay) feed_.emplace(std::move(*opt_.replay));
  if (opt_.record_events) {
    rec_ = std::make_unique<RunRecorder>(opt_.events_title);
    rec_->set_mute_flag(&quiet_);  // history re-run after a reverse jump was recorded when it first ran
  }
}

Session::~Session() = default;

void Session::build(const MachineConfig& config) {
  auto m = std::make_unique<Machine>(config);
  m->on_serial = [this](uint8_t ch) { on_guest_output(ch); };
  if (rec_) rec_->attach(*m);
  m_ = std::move(m);
  history_.clear();
  history_.set_interval(opt_.history_interval);
  history_.set_byte_cap(opt_.history_byte_cap);
  high_water_ = 0;
  if (history_feed_) feed_.reset();
  history_feed_ = false;
  reversed_ = false;
  abandoned_.clear();
}

InputLog Session::recorded_inputs() const {
  InputLog log{abandoned_};
  if (m_) log.branches.push_back(m_->input_log());
  return log;
}

// ---- live input and power ----

void Session::check_live(InputKind kind, const std::string& bytes) {
  if (history_feed_) {
    // Live input after a reverse jump starts a new future: the old one's inputs and
    // checkpoints no longer happen. The record keeps them as a branch left behind.
    abandoned_.push_back(feed_->branch());
    feed_.reset();
    history_feed_ = false;
    history_.drop_after(m_->engine().retired());
  } else if (reversed_ && feed_) {
    // Replaying: the recorded run started its new future here too.
    feed_->restored(*m_);
  }
  reversed_ = false;
  if (!feed_) return;
  std::string why = feed_->matches_next(*m_, kind, bytes);
  if (!why.empty()) throw ReplayDiverged(why);
}

void Session::new_future() {
  if (history_feed_) {
    feed_.reset();
    history_feed_ = false;
  }
  history_.drop_after(m_->engine().retired());
}

void Session::power_on() {
  check_live(InputKind::PowerOn, "");
  m_->power_on();
  if (rec_) rec_->power_on();
  cursor_ = output().size();
  // Instruction counts start again: a new history, whose start is this power-on.
  history_.clear();
  high_water_ = 0;
  if (history_enabled()) history_.take(*m_, cursor_);
}

void Session::power_off() {
  check_live(InputKind::PowerOff, "");
  m_->power_off();
  if (rec_) rec_->power_off("power off by the host");
}

void Session::send(const std::string& bytes) {
  check_live(InputKind::Serial, bytes);
  m_->send_input(bytes);
}

void Session::on_guest_output(uint8_t ch) {
  // Output of history being re-run (after a reverse jump, below the furthest point reached)
  // was shown when it first happened.
  if (!quiet_ && m_->engine().retired() >= high_water_) {
    if (observer_) observer_->guest_output(ch);
    if (rec_) rec_->serial(ch);
  }
  if (!waiting_) return;
  // Stop when the wait can finish, or when a tentative result first appears (advance() then
  // runs on only until its quiet time is up).
  Seen s = (*waiting_)(false);
  if (s == Seen::Done || (s == Seen::Tentative && !tentative_armed_)) m_->engine().request_stop("output matched");
}

// ---- checkpoints ----

std::optional<Divergence> Session::checkpoint(const std::string& name) {
  auto d = trace_.checkpoint(*m_, name);
  if (observer_ && trace_.active()) observer_->checkpoint_taken(trace_.records().back(), d ? &*d : nullptr);
  if (rec_) rec_->checkpoint(name, trace_.active() ? trace_.records().back().hash : m_->state_hash());
  return d;
}

// ---- named snapshots ----

void Session::save_snapshot(const std::string& name) {
  snapshots_[name] = NamedSnapshot{store_.take(*m_), cursor_};
  if (rec_) {
    rec_->save_tracking(name);
    rec_->snapshot("snapshot save " + name);
  }
}

void Session::restore_snapshot(const std::string& name) {
  auto it = snapshots_.find(name);
  if (it == snapshots_.end()) throw std::out_of_range("no snapshot named '" + name + "'");
  // The branch left behind: its inputs are part of the run (--record keeps them all).
  abandoned_.push_back(history_feed_ ? feed_->branch() : m_->input_log());
  SnapshotStore::restore(*m_, it->second.snap);
  // The user chose another past: the ladder's later checkpoints and a reverse jump's future
  // inputs belong to the timeline left behind.
  history_.drop_after(m_->engine().retired());
  if (history_feed_) feed_.reset();
  else if (feed_) feed_->restored(*m_);
  history_feed_ = false;
  reversed_ = false;
  cursor_ = std::min(it->second.cursor, output().size());
  if (rec_) {
    rec_->restore_tracking(name);
    rec_->discontinuity("snapshot restore " + name);
  }
}

void Session::write_snapshot(const std::string& name, const std::string& path) const {
  const NamedSnapshot* s = find_snapshot(name);
  if (!s) throw std::out_of_range("no snapshot named '" + name + "'");
  write_snapshot_file(path, *m_, s->snap);
  if (rec_) rec_->snapshot("snapshot write " + name + " " + path);
}

void Session::read_snapshot(const std::string& name, const std::string& path) {
  Snapshot snap = read_snapshot_file(path, *m_);
  size_t cursor = snap.serial_output.size();
  snapshots_[name] = NamedSnapshot{std::move(snap), cursor};
  if (rec_) rec_->snapshot("snapshot read " + name + " " + path);
}

const Session::NamedSnapshot* Session::find_snapshot(const std::string& name) const {
  auto it = snapshots_.find(name);
  return it == snapshots_.end() ? nullptr : &it->second;
}

}  // namespace kjump
