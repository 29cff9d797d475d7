// sys_kexec_load (kernel/kexec.c, 2.6.27): checks in Linux's order, then build the image and
// swap it in for the old one.
//
// One addition, the fix the seed planned for its known issue ("the number of segments is
// limited to 16") and Linux never merged: KEXEC_PARTIAL. A call with it opens (or continues)
// an image built by several calls, each still at most KEXEC_SEGMENT_MAX segments; the first
// call without it closes the image and installs it. The rules:
//   - every call of one image passes the same entry and the same other flags;
//   - a segment may not overlap any segment of any call of the image;
//   - while an image is open, kexec -e is refused (-EBUSY), and the installed image stays
//     what it was until the closing call succeeds;
//   - nr_segments == 0 with KEXEC_PARTIAL abandons the open image (and is an error if there is
//     none); without it, it is refused while an image is open;
//   - any error in a call abandons the whole open image.
// A hibernation image with free pages left out has far more than 16 ranges, so kernel C's
// loader (hibernate/image_loader.cpp) uses it.
#include "kexec/kexec_state.h"
#include "kexec/machine_kexec.h"
#include "lib/errno.h"

namespace kjump {

Kimage* g_kexec_image = nullptr;
Kimage* g_kexec_partial = nullptr;
bool g_kexec_mutex = false;

bool kexec_mutex_trylock() {
  if (g_kexec_mutex) return false;
  g_kexec_mutex = true;
  return true;
}
void kexec_mutex_unlock() { g_kexec_mutex = false; }

namespace {

// Loads this call's segments [first, image->nr_segments).
int load_segments(Kimage* image, uint32_t first) {
  for (uint32_t i = first; i < image->nr_segments; ++i)
    if (int err = kimage_load_segment(image, image->segment[i])) return err;
  return 0;
}

// The control pages and transition tables go where no segment lands, so they come after
// every destination is known: for a one-call image at once (Linux's kimage_normal_alloc),
// for an image in parts at its closing call, after kimage_settle.
int finish_image(Kimage* image) {
  if (int err = kimage_alloc_control_pages(image)) return err;
  if (machine_kexec_prepare(image)) {
    kexec_set_detail("cannot allocate the transition page tables");
    return -ENOMEM;
  }
  return 0;
}

// Installs the new image (or none) and frees the old one.
void install(Kimage* image) {
  Kimage* old = g_kexec_image;
  g_kexec_image = image;
  kimage_free(old);
}

int load_in_one_call(uint32_t entry, uint32_t nr, const KexecSegment* segments, uint32_t flags) {
  Kimage* image = nullptr;
  int result = kimage_create(&image, entry);
  if (!result) result = kimage_add_segments(image, nr, segments);
  if (!result) {
    image->flags = flags;
    image->calls = 1;
    if (flags & KEXEC_PRESERVE_CONTEXT) image->preserve_context = true;
    result = finish_image(image);
  }
  if (!result) result = load_segments(image, 0);
  if (result) {
    kimage_free(image);
    return result;
  }
  kimage_terminate(image);
  kimage_build_end(image);
  install(image);
  return 0;
}

void abandon_partial() {
  kimage_free(g_kexec_partial);
  g_kexec_partial = nullptr;
}

int load_part(uint32_t entry, uint32_t nr, const KexecSegment* segments, uint32_t flags) {
  bool more = flags & KEXEC_PARTIAL;
  uint32_t image_flags = flags & ~KEXEC_PARTIAL;
  Kimage* image = g_kexec_partial;
  if (!image) {
    if (int err = kimage_create(&image, entry)) return err;
    image->flags = image_flags;
    if (flags & KEXEC_PRESERVE_CONTEXT) image->preserve_context = true;
    g_kexec_partial = image;
  } else if (image->flags != image_flags || image->start != entry) {
    kexec_set_detail("call %u does not belong to the open image (entry 0x%x flags 0x%x, "
                     "the image has entry 0x%x flags 0x%x); image abandoned",
                     image->calls + 1, entry, image_flags, image->start, image->flags);
    abandon_partial();
    return -EINVAL;
  }
  image->calls++;
  uint32_t first = image->nr_segments;
  int err = kimage_add_segments(image, nr, segments);
  if (!err) err = load_segments(image, first);
  if (!err && !more) {
    kimage_terminate(image);
    err = kimage_settle(image);
    if (!err) err = finish_image(image);
  }
  if (err) {
    abandon_partial();
    return err;
  }
  if (!more) {
    kimage_build_end(image);
    g_kexec_partial = nullptr;
    install(image);
  }
  return 0;
}

}  // namespace

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
  flags &= ~KEXEC_ARCH_MASK;
  int result = 0;
  if (nr_segments > 0 && (flags & KEXEC_ON_CRASH)) {
    // A crash image must lie inside the crashkernel= reservation; we never make one.
    kexec_set_detail("no crash kernel region is reserved");
    result = -EADDRNOTAVAIL;
  } else if (nr_segments == 0 && (flags & KEXEC_PARTIAL)) {
    if (g_kexec_partial) {
      abandon_partial();
      kexec_set_detail("open image abandoned");
    } else {
      kexec_set_detail("no image is being loaded in parts");
      result = -EINVAL;
    }
  } else if (g_kexec_partial || (flags & KEXEC_PARTIAL)) {
    if (nr_segments == 0) {
      kexec_set_detail("an image is being loaded in parts: close it or abandon it first");
      result = -EBUSY;
    } else {
      result = load_part(entry, nr_segments, segments, flags);
    }
  } else if (nr_segments == 0) {
    install(nullptr);  // unload
  } else {
    result = load_in_one_call(entry, nr_segments, segments, flags);
  }
  kexec_mutex_unlock();
  return result;
}

bool kexec_partial_open() { return g_kexec_partial != nullptr; }

KexecImageInfo kexec_image_info() {
  KexecImageInfo info{};
  if (const Kimage* k = g_kexec_image) {
    info.loaded = true;
    info.preserve_context = k->preserve_context;
    info.start = k->start;
    info.nr_segments = k->nr_segments;
    info.calls = k->calls;
    info.control_page = k->control_code_page;
    info.swap_page = k->swap_page;
    info.source_pages = k->source_pages;
    info.indirection_pages = k->indirection_pages;
    info.settled_pages = k->settled_pages;
    info.settled_indirection_pages = k->settled_indirection_pages;
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
