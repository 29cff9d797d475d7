#include "drivers/debug_exit.h"

#include "arch/x86.h"
#include "pm/pm.h"

namespace kjump {
namespace {

constexpr uint16_t kPort = 0xF4;
PmDevice g_pm{"isa-debug-exit", {nullptr, nullptr, nullptr, nullptr, nullptr, nullptr}, PmStage::On, nullptr};

}  // namespace

void debug_exit_init() { pm_register(&g_pm); }

void debug_exit(uint8_t value) { x86::outb(kPort, value); }

}  // namespace kjump
