// sys_kexec_load (kernel/kexec.c, 2.6.27): checks in Linux's order, then build the image and
// swap it in for the old one.
#include "kexec/kexec_state.h"
#include "kexec/machine_kexec.h"
#include "lib/errno.h"

namespace kjump {

Kimage* g_kexec_image = nullptr;
bool g_kexec_mutex = false;

bool kexec_mutex_trylock() {
  if (g_kexec_mutex) return false;
  g_kexec_mutex = true;
  return true;
}
void kexec_mutex_unlock() { g_kexec_mutex = false; }

int kexec_load(uint32_t entry, uint32_t nr_segments, const KexecSegment* segments,
               uint32_t flags) {
  kexec_set_detail("ok");
  // (Linux checks CAP_SYS_BOOT first: the shell is the only caller and may boot.)
  if ((flags & KEXEC_FLAGS) != (flags & ~KEXEC_ARCH_MASK)) {
    kexec_set_detail("unknown flags 0x%x", flags & ~KEXEC_ARCH_MASK & ~KEXEC_FLAGS);
    return -EINVAL;
  }
  if ((flags & KEXEC_ARCH_MASK) != KEXEC_ARCH_386 &&
      (flags & KEXEC_ARCH_MASK) != KEXEC_ARCH_DEFAULT) {
    kexec_set_detail("architecture 0x%x is not i386", (flags & KEXEC_ARCH_MASK) >> 16);
    return -EINVAL;
  }
  if (nr_segments > KEXEC_SEGMENT_MAX) {
    kexec_set_detail("too many segments: %u > %u", nr_segments, KEXEC_SEGMENT_MAX);
    return -EINVAL;
  }
  // Not a blocking lock: kexec_load and kexec -e must not wait for each other.
  if (!kexec_mutex_trylock()) {
    kexec_set_detail("kexec is busy");
    return -EBUSY;
  }

  Kimage* image = nullptr;
  int result = 0;
  if (nr_segments > 0) {
    if (flags & KEXEC_ON_CRASH) {
      // A crash image must lie inside the crashkernel= reservation; we never make one.
      kexec_set_detail("no crash kernel region is reserved");
      result = -EADDRNOTAVAIL;
      goto out;
    }
    result = kimage_normal_alloc(&image, entry, nr_segments, segments);
    if (result) goto out;
    if (flags & KEXEC_PRESERVE_CONTEXT) image->preserve_context = true;
    result = machine_kexec_prepare(image);
    if (result) {
      kexec_set_detail("cannot allocate the transition page tables");
      goto out;
    }
    for (uint32_t i = 0; i < nr_segments; ++i) {
      result = kimage_load_segment(image, image->segment[i]);
      if (result) goto out;
    }
    kimage_terminate(image);
  }
  // Install the new image (or none: nr_segments == 0 unloads); the old one is freed below.
  {
    Kimage* old = g_kexec_image;
    g_kexec_image = image;
    image = old;
  }
out:
  kexec_mutex_unlock();
  kimage_free(image);
  return result;
}

KexecImageInfo kexec_image_info() {
  KexecImageInfo info{};
  if (const Kimage* k = g_kexec_image) {
    info.loaded = true;
    info.preserve_context = k->preserve_context;
    info.start = k->start;
    info.nr_segments = k->nr_segments;
    info.control_page = k->control_code_page;
    info.swap_page = k->swap_page;
    info.source_pages = k->source_pages;
    info.indirection_pages = k->indirection_pages;
  }
  return info;
}

bool kexec_peer_read(uint32_t paddr, uint32_t* value) {
  const Kimage* k = g_kexec_image;
  if (!k) return false;
  phys_addr src = kimage_source_of(k, paddr);
  if (!src) return false;
  *value = *reinterpret_cast<const uint32_t*>(static_cast<const uint8_t*>(phys_to_virt(src)) +
                                              (paddr & (PAGE_SIZE - 4)));
  return true;
}

}  // namespace kjump
