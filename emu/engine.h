// The CPU engine: Unicorn (i386, real guest paging) + guest RAM + virtual clock + event
// queue + interrupt delivery through the guest IDT. Unicorn runs on the engine's own TLB
// (emu/virtual_tlb.h, the guest's page tables walked by emu/page_walk.h), where guest stores
// get QEMU's fast path; a page fault is raised by Unicorn's own walker.
//
// Virtual time is exact: now() = retired guest instructions + time skipped while halted
// (1 instruction = 1 virtual ns, as QEMU's -icount shift=0,sleep=off). Retired
// instructions are counted per translated block (block hook + icount) and corrected
// whenever a block is cut short (fault, breakpoint, deadline). Devices schedule timers on
// the event queue and the engine stops at exactly their deadline, using the hybrid method
// measured in docs/unicorn-reference.md §b: a block hook notices the deadline falls inside the
// next block, and a code hook bounded to that block stops at the exact instruction.
//
// Unicorn delivers no exceptions or interrupts itself; deliver() (emu/deliver.cpp) does it
// as an i386 does (gates, privilege change through the TSS, error codes, #DF and triple
// fault). Hooks and code invalidation: emu/translated_code.h; port I/O: emu/io_sites.h.
// The members are defined by job: emu/engine.cpp (construction, clock, run loop) lists the
// files.
#pragma once

#include <unicorn/unicorn.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "emu/block_count.h"
#include "emu/context_layout.h"
#include "emu/disasm.h"
#include "emu/event_queue.h"
#include "emu/io_sites.h"
#include "emu/page_walk.h"
#include "emu/ram.h"
#include "emu/state.h"
#include "emu/translated_code.h"
#include "emu/virtual_tlb.h"

namespace kjump {

class InterruptController;

enum class StopReason {
  Limit,          // reached the requested virtual time / instruction budget
  Requested,      // a device or the host asked to stop (debug-exit, power off, expect matched)
  Idle,           // halted with IF=1 and nothing scheduled: only host input can wake it
  HaltedForever,  // halted with IF=0: nothing can ever wake it
  TripleFault,
  Breakpoint,
  Watchpoint,     // right after an access the watchpoint callback took (Engine::last_watch)
  EngineError,    // Unicorn refused to go on (reported with details)
};
const char* to_string(StopReason r);

struct RunResult {
  StopReason reason;
  std::string detail;
};

// One exception or interrupt as delivered, for traces and tests.
struct DeliveryEvent {
  uint64_t time;
  unsigned vector;
  bool external;       // hardware IRQ
  bool software;       // int n / int3
  bool has_error_code;
  uint32_t error_code;
  uint32_t eip;        // faulting or return EIP
  uint32_t cr2;
  unsigned from_cpl, to_cpl;
};

enum class Reg {
  EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI, EIP, EFLAGS,
  CS, SS, DS, ES, FS, GS, CR0, CR2, CR3, CR4, LDTR, TR,
  COUNT
};
const char* reg_name(Reg r);
std::optional<Reg> reg_by_name(const std::string& name);

struct PortIoHooks {
  std::function<uint32_t(uint16_t port, unsigned size)> read;
  std::function<void(uint16_t port, unsigned size, uint32_t value)> write;
};

class Engine : public Clock {
 public:
  explicit Engine(uint64_t ram_size);
  ~Engine() override;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // ---- wiring (done once by the machine) ----
  GuestRam& ram() { return ram_; }
  EventQueue& events() { return events_; }
  void set_port_io(PortIoHooks hooks) { io_ = std::move(hooks); }
  void set_interrupt_controller(InterruptController* ic) { ic_ = ic; }
  void map_mmio(uint64_t base, uint64_t size, std::function<uint64_t(uint64_t, unsigned)> read,
                std::function<void(uint64_t, unsigned, uint64_t)> write);

  // ---- time ----
  uint64_t now() const override;                 // virtual ns, exact (also inside I/O callbacks)
  uint64_t retired() const;                      // retired instructions, exact
  // How often the host did a `rep movs`/`stos` itself (emu/rep_string.h): for tests only.
  uint64_t rep_host_runs() const { return rep_host_runs_; }
  uint64_t idle_time() const { return idle_; }   // virtual ns skipped while halted

  // ---- running ----
  // Runs until now() == limit, or an earlier stop. Timers fire at their exact deadlines.
  RunResult run(uint64_t limit);
  // Executes exactly one instruction (delivering a pending interrupt first, as the CPU
  // would at this boundary). While halted, advances to the next event instead, but never
  // past `limit`.
  RunResult step(uint64_t limit = kNever);
  // From a device callback or the host: stop at the next instruction boundary the engine
  // can reach (end of the current block for I/O callbacks).
  void request_stop(std::string why);
  bool halted() const { return halted_; }

  // ---- breakpoints (virtual addresses) ----
  void add_breakpoint(uint32_t addr);
  void remove_breakpoint(uint32_t addr);
  const std::vector<uint32_t>& breakpoints() const { return breakpoints_; }

  // ---- watchpoints (debugger) ----
  // Data accesses overlapping `ranges` stop the run right after their instruction retired, if
  // `is_hit` (asked then, outside emulation, with the access) says so; otherwise the run goes
  // on as if it had never stopped (no events, no interrupt taken, no stop asked for between
  // blocks taken early), so watching changes nothing the guest sees. Pages holding a watched
  // range are kept out of the TLB's fast path (emu/virtual_tlb.h); no ranges, no cost.
  void set_watchpoints(std::vector<WatchRange> ranges, std::function<bool(const WatchAccess&)> is_hit);
  const WatchAccess& last_watch() const { return watch_access_; }

  // ---- registers ----
  uint32_t reg(Reg r) const;
  void set_reg(Reg r, uint32_t v);
  struct TableReg { uint32_t base; uint32_t limit; };
  TableReg gdtr() const;
  TableReg idtr() const;
  void set_gdtr(TableReg t);
  void set_idtr(TableReg t);
  unsigned cpl() const;
  PagingRegs paging() const;
  // For the debugger (GDB's SSE and system features): the x87/SSE registers as Unicorn holds
  // them, and a segment register's base from its hidden descriptor cache (CS..GS).
  struct FpuRegs {
    uint8_t st[8][10];
    uint16_t fctrl, fstat, ftag;
    uint32_t mxcsr;
    uint8_t xmm[8][16];
  };
  FpuRegs fpu_regs() const;
  uint32_t segment_base(Reg seg) const;
  // Virtual → physical without side effects (debugger, audits).
  std::optional<uint64_t> virt_to_phys(uint32_t va) const;
  bool read_virt(uint32_t va, void* dst, size_t n) const;

  // ---- code ----
  const Disassembler& disassembler() const { return disasm_; }
  std::optional<DecodedInsn> decode_at(uint32_t va) const;
  // Host-side RAM writes must invalidate translated code. Writes through GuestRam do it
  // themselves (only the written range); this is for RAM replaced wholesale (snapshots).
  void invalidate_code();
  // Host-side counts of the translated-code work and of the I/O site cache, for tests and
  // measurements; nothing on the guest path reads them.
  const TranslatedCode::Stats& code_stats() const { return code_->stats(); }
  const IoSiteCache::Stats& io_site_stats() const { return io_sites_.stats(); }

  // ---- observers ----
  std::function<void(const DeliveryEvent&)> on_delivery;

  // The exceptions of the last delivery, in the order the CPU met them: the first is the
  // exception (or interrupt) raised by the guest, each further one a fault met while
  // delivering the one before (with what the delivery was doing), ending in #DF and, when
  // `triple` is set, the triple fault. Host-side diagnostics for fault reports, not state.
  struct ChainLink {
    unsigned vector;
    bool has_error;
    uint32_t error;
    uint32_t eip;     // the instruction that raised the first; the same EIP for the nested ones
    std::string why;  // empty for the first; for the rest, what the delivery of the previous one met
  };
  struct FaultChain {
    std::vector<ChainLink> links;
    bool triple = false;
    uint64_t retired = 0;  // instruction count of the first exception
  };
  const FaultChain& last_fault_chain() const { return chain_; }

  // Paging watch (kexec audits): called between blocks, outside emulation, whenever CR0.PG
  // changed since the previous block, with the new state and the first EIP under it. The
  // engine watches CR0 after every block that ends with `mov to CR0` (set or not), because
  // each paging switch resets its TLB's code marks (emu/virtual_tlb.h).
  void set_paging_watch(std::function<void(bool paging, uint32_t eip)> cb);
  // Trampoline audit (kexec), while paging is off: the virtual TLB stops at the first access
  // of each kind (code page, page, read/write) by judged code to a forbidden page, records it
  // with its address, size, EIP and instruction count, and goes on. No memory hooks.
  void set_access_audit(std::optional<AccessAuditSpec> spec) {
    vtlb_->set_audit(std::move(spec));
    sync_vtlb();
  }
  const std::vector<AuditedAccess>& audited_accesses() const { return vtlb_->audited(); }

  // Run observers (the run's event list, replay/run_recorder.h). Each is null unless a report
  // was asked for, and costs a null test on paths that are already off the block hook's fast
  // path. They only look: none may change guest state, stop the engine or add hooks.
  struct RunObservers {
    // After the paging watch above, between blocks: CR0.PG changed; the first EIP under it.
    std::function<void(bool paging, uint32_t eip)> paging;
    // At the first block after a `mov to CR3` that changed it: the new CR3, with the
    // instructions retired so far (the mov included) and the virtual time.
    std::function<void(uint32_t cr3, uint64_t retired, uint64_t time)> cr3;
    // While paging is off and the access audit is on (the kexec audit turns it on for every
    // paging-off stretch): a block starts in another physical page than the block before, at
    // `pc`, with `retired` instructions before it. Inside emulation: read, never write.
    std::function<void(uint32_t pc, uint64_t retired, uint64_t time)> phys_code;
  };
  void set_run_observers(RunObservers o);
  void clear_audited_accesses() { vtlb_->clear_audited(); }
  const VirtualTlb& virtual_tlb() const { return *vtlb_; }

  // ---- state ----
  // The CPU as declared state: named registers (hashed, diffed, inspected) plus Unicorn's
  // raw context (restored, not hashed: it contains host pointers).
  Stateful& cpu_state() { return cpu_state_; }
  // Engine-level state: time counters and halt flag.
  Stateful& clock_state() { return clock_state_; }

  // Reset to an i386 in 32-bit protected mode with flat segments; used before a boot loader
  // sets the entry state.
  void reset_cpu();
  // Loads a segment register with an explicit hidden descriptor cache (boot loaders).
  void load_flat_segments(uint16_t cs, uint16_t ds);

 private:
  struct CpuStateView : Stateful {
    Engine* e = nullptr;
    std::array<uint32_t, size_t(Reg::COUNT)> regs{};
    uint32_t gdtr_base = 0, gdtr_limit = 0, idtr_base = 0, idtr_limit = 0;
    std::vector<uint8_t> hidden;  // segment descriptor caches (base/limit/flags of all segments)
    std::vector<uint8_t> fpu;     // x87 and SSE registers
    std::vector<uint8_t> context; // Unicorn's raw context
    void declare_state(StateDecl& d) override;
    void post_load() override;
    // Whether `context`, put into Unicorn, gives exactly the declared registers, descriptor
    // tables, segment caches and FPU/SSE state, in a mode an i386 has (no long mode). Leaves
    // the live CPU as it was.
    bool context_matches_declared() const;
  };
  struct ClockStateView : Stateful {
    Engine* e = nullptr;
    void declare_state(StateDecl& d) override;
  };

  // hooks (static trampolines → members)
  static void hook_block(uc_engine*, uint64_t addr, uint32_t size, void* self);
  static void precise_handler(void* self, uint32_t addr);     // TranslatedCode handlers
  static void breakpoint_handler(void* self, uint32_t addr);
  static void hook_intr(uc_engine*, uint32_t intno, void* self);
  static bool hook_invalid(uc_engine*, void* self);
  static uint32_t hook_in(uc_engine*, uint32_t port, int size, void* self);
  static void hook_out(uc_engine*, uint32_t port, int size, uint32_t value, void* self);
  static int hook_cpuid(uc_engine*, void* self);
  static int hook_rdtsc(uc_engine*, void* self);
  static void hook_edge(uc_engine*, uc_tb* cur, uc_tb* prev, void* self);

  void on_block(uint32_t pc, uint32_t size);
  // hook_block's common case: the block's count from the front cache slot s; false (nothing
  // changed) when the run's deadline falls inside the block.
  bool count_block(uint32_t pc, uint32_t size, IcountCache::Slot s, bool again);
  void on_rep_block(uint32_t pc, uint32_t size, IcountCache::Slot s, bool again);
  void on_precise(uint32_t addr);
  void on_breakpoint(uint32_t addr);
  void on_intr(uint32_t intno);

  unsigned block_icount(uint32_t pc, uint32_t size);
  unsigned count_insns(uint32_t from, uint32_t to) const;  // instructions in [from, to)
  // Guest bytes [va, va + n) through the current page tables, read up to the first page that
  // cannot be read (paging registers read once); returns how many bytes were read.
  size_t read_code(uint32_t va, size_t n, std::vector<uint8_t>& out, uint64_t* first_pa = nullptr) const;
  // uc_emu_start from eip, serving the host-only stops (see hf_.maint_stop) without returning.
  uc_err emulate(uint32_t eip);
  void serve_host_work();  // after uc_emu_start: the deferred hook and code changes (code_hooks.cpp)
  void on_host_write(uint64_t pa, size_t n);
  uint64_t exact_retired_at(uint32_t eip) const;           // inside the current block
  void stop_from_hook(uint32_t resume_eip);
  bool interrupt_ready() const;  // IF=1, no shadow, INTR asserted
  bool interrupt_in_shadow() const;  // INTR asserted, held off by the sti / mov ss shadow
  uint32_t hflags() const;
  void set_cpl(unsigned cpl);
  void reset_old_exception();

  // Delivery. Returns the nested fault, if delivery itself faulted.
  struct Fault {
    unsigned vector; bool has_error; uint32_t error; uint32_t cr2 = 0; bool is_pf = false;
    const char* why = "";  // what the delivery was doing when it faulted (for the exception chain)
  };
  std::optional<Fault> try_deliver(unsigned vector, bool external, bool software, bool has_error, uint32_t error,
                                   uint32_t return_eip);
  // Full delivery with the #DF / triple-fault rules. Returns false on triple fault.
  bool deliver(unsigned vector, bool external, bool software, bool has_error, uint32_t error, uint32_t return_eip);

  void build_cpuid_table();
  std::optional<Fault> read_linear(uint32_t va, void* dst, size_t n, bool user);
  std::optional<Fault> write_linear(uint32_t va, const void* src, size_t n, bool user);

  GuestRam ram_;
  EventQueue events_;
  uc_engine* uc_ = nullptr;
  uc_context* ctx_ = nullptr;  // scratch context for blob access
  const ContextLayout& layout_;
  Disassembler disasm_;
  PortIoHooks io_;
  InterruptController* ic_ = nullptr;
  std::vector<std::unique_ptr<std::pair<std::function<uint64_t(uint64_t, unsigned)>,
                                         std::function<void(uint64_t, unsigned, uint64_t)>>>> mmio_;

  // The block hook's state, together: it runs once per translated block. Everything that takes
  // it off its common case (nothing pending, the TB's count in the front cache, the deadline
  // past the block) is one flag in hf_, so that case tests one word (hook_block).
  struct BlockHookFlags {
    bool stopping = false;            // a stop of this uc_emu_start was asked for
    bool stop_at_next_block = false;  // an I/O access asked for a stop: take it at the next block
    // Host work was requested from inside a callback (a hook change, a host write into RAM):
    // stop at the next block boundary, do it, and resume at once as if Unicorn had never
    // returned (no events, no interrupt check), so the guest cannot tell.
    bool maint_stop = false;
    // What the previous block ended with (last_insn_kind), or the host changed: kEndsCr0Write
    // = CR0 may have changed, read it (the paging watch); kEndsInvlpg (emu/virtual_tlb.h);
    // kEndsPagingChange = paging_cache_ is stale.
    uint8_t check_after = kEndsCr0Write;
    bool first_block_of_run = false;  // the first TB of a uc_emu_start (block_icount)
    bool precise_active = false;      // the precise deadline hook is armed (precise_lo_/hi_)
    // The next block redoes the rest of a block cut short by a refused TLB fill: it continues
    // that block, so the stops asked for at "the next block" wait for the one after it.
    bool continuing_block = false;
    bool vtlb_watch = false;          // the virtual TLB wants every block (VirtualTlb::watches_blocks)
    bool any() const {
      uint64_t v;
      std::memcpy(&v, this, sizeof v);
      return v != 0;
    }
    // All flags clear but check_after, in one 8-byte store: the next block's any() reads the
    // word back at once, and a 1-byte store there would stall that load (no store forwarding
    // from a narrower store: measured, half the hook's time on the bench loop).
    void set_only_check_after(uint8_t v);
  };
  static_assert(sizeof(BlockHookFlags) == 8, "one word");
  static_assert(std::is_standard_layout_v<BlockHookFlags>);
  BlockHookFlags hf_;
  IcountCache icounts_;
  uint64_t retired_limit_ = kNever;  // stop_at_ - idle_: the current run's deadline in retired instructions
  // The virtual TLB's block work (VirtualTlb::on_block), mirrored here for hook_block: every
  // block while vtlb_watch, else a block in another page than vtlb_page_ while auditing.
  uint32_t vtlb_page_ = 0, vtlb_page_mask_ = 0;
  void sync_vtlb() {
    hf_.vtlb_watch = vtlb_->watches_blocks();
    vtlb_page_mask_ = vtlb_->audit_page_mask();
    vtlb_page_ = vtlb_->code_page();
  }

  // time
  uint64_t retired_ = 0;             // retired instructions (block-granular while running)
  uint64_t idle_ = 0;                // virtual ns skipped in hlt
  uint64_t block_start_retired_ = 0; // retired_ before the current block
  uint32_t block_pc_ = 0, block_size_ = 0;
  bool in_block_ = false;
  uint64_t stop_at_ = kNever;        // virtual time at which the current uc_emu_start must stop
  uint64_t io_now_ = 0;              // exact time during an I/O callback
  bool in_io_ = false;
  // The I/O instruction being serviced, found by position: the k-th I/O callback since the
  // block started is the block's k-th I/O instruction (EIP inside INSN hooks is not always
  // synced to the instruction, even in Unicorn 2.1.4). The block's sites come from the cache
  // at its first I/O callback (emu/io_sites.h).
  unsigned io_in_block_ = 0;
  IoSiteCache io_sites_{disasm_};
  const std::vector<IoSite>* block_io_ = nullptr;  // sites of the current block, if known
  mutable std::vector<uint8_t> code_buf_;          // scratch for read_code
  bool quiet_stop_ = false;  // the current stop is such a host-only stop
  const std::vector<IoSite>* block_io_sites();
  // CR0/CR3/CR4 as of the current block, for block_io_sites: read once after they may have
  // changed (a block that ends with kEndsPagingChange, or a new uc_emu_start), not per I/O.
  PagingRegs paging_cache_;
  bool paging_cached_ = false;
  void begin_io();
  void end_io();

  // stop bookkeeping for the current uc_emu_start (and hf_.stopping)
  std::optional<uint32_t> resume_eip_;
  std::optional<RunResult> pending_result_;
  FaultChain chain_;
  bool stop_requested_ = false;
  std::string stop_why_;
  bool halted_ = false;

  // Hooks and invalidation of translated code (emu/translated_code.h).
  std::unique_ptr<TranslatedCode> code_;

  // precise stepping through one block
  TranslatedCode::Id precise_hook_ = 0;
  std::optional<std::pair<uint32_t, uint32_t>> precise_request_;  // (pc, size) to arm after the stop
  bool precise_done_ = false;
  uint32_t precise_lo_ = 0, precise_hi_ = 0;
  unsigned precise_count_ = 0;

  // breakpoints
  std::vector<uint32_t> breakpoints_;
  std::unordered_map<uint32_t, TranslatedCode::Id> bp_hooks_;
  std::optional<uint32_t> skip_breakpoint_once_;
  std::optional<std::pair<uint32_t, uint64_t>> bp_resume_;  // (eip, retired) of the last breakpoint stop

  // per-TB instruction counts (emu/block_count.h; the front cache is in the hot part above)
  uint8_t block_end_kind(uint32_t pc, uint32_t size, LastInsn* last = nullptr) const;  // last_insn_kind
  // The block at pc starts inside the block that ran before it, and is not that block again:
  // maybe Unicorn re-running a store into the block before (smc_cut_in).
  bool starts_inside_block(uint32_t pc, uint32_t size) const {
    return in_block_ && pc - block_pc_ < block_size_ && (pc != block_pc_ || size != block_size_);
  }
  std::optional<unsigned> smc_cut(uint32_t pc, uint32_t size) const;
  // `rep movs`/`stos` by the host (emu/rep_string.h): is the block that instruction alone; do
  // its iterations now if the outcome is the same (retired_ moves on by the runs saved).
  bool lone_rep_string(uint32_t pc, uint32_t size) const;
  bool rep_on_host(uint32_t pc, uint32_t size);
  bool rep_declined_ = false;     // the current block's rep_on_host declined
  uint64_t rep_host_runs_ = 0;    // times it did (host-side, for tests)
  uint8_t tb_end_ = 0;            // of the TB whose icount block_icount() just gave

  // CPUID as the pinned model reports it, with SEP/APIC/RDRAND hidden.
  std::vector<std::array<uint32_t, 6>> cpuid_;  // leaf, subleaf, eax, ebx, ecx, edx

  // paging watch / virtual TLB
  std::function<void(bool, uint32_t)> paging_cb_;
  RunObservers run_obs_;
  uint32_t last_cr3_ = 0;  // for run_obs_.cr3
  bool last_paging_ = false;
  std::optional<std::pair<bool, uint32_t>> paging_event_;
  // Between blocks, after the block hook saw CR0.PG change: the TLB follows, then the paging
  // watch and the run observer hear of it (emu/run_observers.cpp).
  void take_paging_switch();
  std::unique_ptr<VirtualTlb> vtlb_;
  bool take_tlb_stop(uc_err err, bool next_block);  // an audit or watch stop of the virtual TLB's: handled, run on
  // Watchpoints: the stopped access, the callback, and where the run is in the block it cut:
  // Redo = its instruction runs again with its page granted, until retired_ reaches
  // redo_target_; Rest = the rest of that block runs as one (see run()).
  enum class MidBlock : uint8_t { No, Redo, Rest };
  MidBlock mid_ = MidBlock::No;
  uint64_t redo_target_ = 0;
  bool deferred_next_block_ = false;  // hf_.stop_at_next_block when the watch stop cut the block
  std::function<bool(const WatchAccess&)> watch_is_hit_;
  WatchAccess watch_access_;
  bool watch_overlaps(const WatchAccess& a) const;
  // The watch's steps in run() (emu/watchpoints.cpp): a watched page stopped an access (Redo
  // from its instruction); the Redo is over (true if the callback takes the access as a stop);
  // a boundary inside the cut block that is an exact stop of its own ends the cut block.
  void start_watch_redo(bool next_block);
  bool finish_watch_redo();
  void end_cut_block_at_exact_stop(uint64_t limit);
  // A refused fill (a page fault to come): count it, go on from the access on Unicorn's walker.
  // False if `err` is not that.
  bool take_tlb_fault(uc_err err);

  // A saved context (CpuStateView::context) into Unicorn, minus its host pointers.
  void put_context(const std::vector<uint8_t>& context);

  CpuStateView cpu_state_;
  ClockStateView clock_state_;
};

}  // namespace kjump
