// SPDX-License-Identifier: GPL-2.0-or-later
// File-scope arrays indexed by frame number or request id, in chunks of 4096
// entries that never move: the per-frame state of a million-frame capture
// costs its bytes and no allocator node per frame (plugin/README.md, "Memory").
#pragma once

#include <string.h>

#include <epan/wmem_scopes.h>

constexpr guint32 IMUP_CHUNK_BITS = 12;
constexpr guint32 IMUP_CHUNK = 1u << IMUP_CHUNK_BITS;

// A growing directory of chunks; zero-initialised, reset by clearing both
// fields when the file scope ends.
struct imup_chunk_directory {
    void **chunks;
    guint32 count;
};

// The chunk holding `at`: made (zeroed) when `create`, else NULL when absent.
inline void *imup_chunk_of(imup_chunk_directory *d, guint32 at, size_t chunk_bytes, gboolean create)
{
    guint32 c = at >> IMUP_CHUNK_BITS;
    if (c >= d->count) {
        if (!create)
            return NULL;
        guint32 count = d->count ? d->count : 16;
        while (count <= c)
            count *= 2;
        d->chunks = static_cast<void **>(wmem_realloc(wmem_file_scope(), d->chunks, count * sizeof(void *)));
        memset(d->chunks + d->count, 0, (count - d->count) * sizeof(void *));
        d->count = count;
    }
    if (!d->chunks[c] && create)
        d->chunks[c] = wmem_alloc0(wmem_file_scope(), chunk_bytes);
    return d->chunks[c];
}

// One guint32 per at (0 where nothing was stored).
struct imup_u32_chunk {
    guint32 values[IMUP_CHUNK];
};
inline void imup_u32_set(imup_chunk_directory *d, guint32 at, guint32 value)
{
    auto *c = static_cast<imup_u32_chunk *>(imup_chunk_of(d, at, sizeof(imup_u32_chunk), TRUE));
    c->values[at & (IMUP_CHUNK - 1)] = value;
}
inline guint32 imup_u32_get(imup_chunk_directory *d, guint32 at)
{
    auto *c = static_cast<imup_u32_chunk *>(imup_chunk_of(d, at, sizeof(imup_u32_chunk), FALSE));
    return c ? c->values[at & (IMUP_CHUNK - 1)] : 0;
}
