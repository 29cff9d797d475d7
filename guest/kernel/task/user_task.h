// The ring-3 demonstration task: its code page and stack page, mapped user-accessible.
#pragma once
#include "task/task.h"

namespace kjump {

constexpr uint32_t kUserCodeBase = 0x00400000;
constexpr uint32_t kUserStackTop = 0x00800000;

// Copies task/user_init.S into a fresh user page and creates the task; nullptr on failure.
Task* user_task_create();

}  // namespace kjump
