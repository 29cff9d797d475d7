// State shared by kexec_load.cpp and kernel_kexec.cpp: Linux's kexec_image and kexec_mutex.
#pragma once
#include "kexec/kimage.h"

namespace kjump {

extern Kimage* g_kexec_image;

// kexec_mutex, taken with mutex_trylock: contention is -EBUSY, never a wait.
bool kexec_mutex_trylock();
void kexec_mutex_unlock();

}  // namespace kjump
