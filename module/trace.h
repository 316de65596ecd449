/* SPDX-License-Identifier: GPL-2.0 */
/*
 * numaclaim tracepoints: events/numaclaim/ in tracefs. Each operation of
 * the uapi, with its context (a hashed pointer, as %p prints it), its
 * nodes and pages and its result (0 or a negative errno), and the pool's
 * resizes and scrubs.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM numaclaim

#if !defined(_NUMACLAIM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _NUMACLAIM_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(numaclaim_claim,
	    TP_PROTO(const void *ctx, u32 nr_entries, u64 pages, int ret),
	    TP_ARGS(ctx, nr_entries, pages, ret),
	    TP_STRUCT__entry(__field(const void *, ctx)
			     __field(u32, nr_entries)
			     __field(u64, pages)
			     __field(int, ret)),
	    TP_fast_assign(__entry->ctx = ctx;
			   __entry->nr_entries = nr_entries;
			   __entry->pages = pages;
			   __entry->ret = ret;),
	    TP_printk("ctx=%p entries=%u pages=%llu ret=%d", __entry->ctx,
		      __entry->nr_entries, __entry->pages, __entry->ret)
);

/* After numaclaim_claim, one event per entry (node -1: the host's). */
TRACE_EVENT(numaclaim_claim_node,
	    TP_PROTO(const void *ctx, int node, u64 pages),
	    TP_ARGS(ctx, node, pages),
	    TP_STRUCT__entry(__field(const void *, ctx)
			     __field(int, node)
			     __field(u64, pages)),
	    TP_fast_assign(__entry->ctx = ctx;
			   __entry->node = node;
			   __entry->pages = pages;),
	    TP_printk("ctx=%p node=%d pages=%llu", __entry->ctx,
		      __entry->node, __entry->pages)
);

TRACE_EVENT(numaclaim_alloc,
	    TP_PROTO(const void *ctx, int node, u64 pages, u32 flags,
		     u64 offset, u32 nr_nodes, int ret),
	    TP_ARGS(ctx, node, pages, flags, offset, nr_nodes, ret),
	    TP_STRUCT__entry(__field(const void *, ctx)
			     __field(int, node)
			     __field(u64, pages)
			     __field(u32, flags)
			     __field(u64, offset)
			     __field(u32, nr_nodes)
			     __field(int, ret)),
	    TP_fast_assign(__entry->ctx = ctx;
			   __entry->node = node;
			   __entry->pages = pages;
			   __entry->flags = flags;
			   __entry->offset = offset;
			   __entry->nr_nodes = nr_nodes;
			   __entry->ret = ret;),
	    TP_printk("ctx=%p node=%d pages=%llu flags=0x%x offset=0x%llx nodes=%u ret=%d",
		      __entry->ctx, __entry->node, __entry->pages,
		      __entry->flags, __entry->offset, __entry->nr_nodes,
		      __entry->ret)
);

TRACE_EVENT(numaclaim_release,
	    TP_PROTO(const void *ctx, u64 offset, u64 pages, int ret),
	    TP_ARGS(ctx, offset, pages, ret),
	    TP_STRUCT__entry(__field(const void *, ctx)
			     __field(u64, offset)
			     __field(u64, pages)
			     __field(int, ret)),
	    TP_fast_assign(__entry->ctx = ctx;
			   __entry->offset = offset;
			   __entry->pages = pages;
			   __entry->ret = ret;),
	    TP_printk("ctx=%p offset=0x%llx pages=%llu ret=%d", __entry->ctx,
		      __entry->offset, __entry->pages, __entry->ret)
);

/*
 * After a successful numaclaim_alloc or numaclaim_release, one event per
 * node of the allocation: where its pages are.
 */
DECLARE_EVENT_CLASS(numaclaim_node_pages,
		    TP_PROTO(const void *ctx, u64 offset, int node, u64 pages),
		    TP_ARGS(ctx, offset, node, pages),
		    TP_STRUCT__entry(__field(const void *, ctx)
				     __field(u64, offset)
				     __field(int, node)
				     __field(u64, pages)),
		    TP_fast_assign(__entry->ctx = ctx;
				   __entry->offset = offset;
				   __entry->node = node;
				   __entry->pages = pages;),
		    TP_printk("ctx=%p offset=0x%llx node=%d pages=%llu",
			      __entry->ctx, __entry->offset, __entry->node,
			      __entry->pages)
);

DEFINE_EVENT(numaclaim_node_pages, numaclaim_alloc_node,
	     TP_PROTO(const void *ctx, u64 offset, int node, u64 pages),
	     TP_ARGS(ctx, offset, node, pages)
);

DEFINE_EVENT(numaclaim_node_pages, numaclaim_release_node,
	     TP_PROTO(const void *ctx, u64 offset, int node, u64 pages),
	     TP_ARGS(ctx, offset, node, pages)
);

TRACE_EVENT(numaclaim_export,
	    TP_PROTO(const void *ctx, u64 offset, int fd, int ret),
	    TP_ARGS(ctx, offset, fd, ret),
	    TP_STRUCT__entry(__field(const void *, ctx)
			     __field(u64, offset)
			     __field(int, fd)
			     __field(int, ret)),
	    TP_fast_assign(__entry->ctx = ctx;
			   __entry->offset = offset;
			   __entry->fd = fd;
			   __entry->ret = ret;),
	    TP_printk("ctx=%p offset=0x%llx fd=%d ret=%d", __entry->ctx,
		      __entry->offset, __entry->fd, __entry->ret)
);

TRACE_EVENT(numaclaim_resize,
	    TP_PROTO(int node, u64 want, u64 reached, int ret),
	    TP_ARGS(node, want, reached, ret),
	    TP_STRUCT__entry(__field(int, node)
			     __field(u64, want)
			     __field(u64, reached)
			     __field(int, ret)),
	    TP_fast_assign(__entry->node = node;
			   __entry->want = want;
			   __entry->reached = reached;
			   __entry->ret = ret;),
	    TP_printk("node=%d want=%llu reached=%llu ret=%d", __entry->node,
		      __entry->want, __entry->reached, __entry->ret)
);

TRACE_EVENT(numaclaim_scrub,
	    TP_PROTO(int node, u64 pages),
	    TP_ARGS(node, pages),
	    TP_STRUCT__entry(__field(int, node)
			     __field(u64, pages)),
	    TP_fast_assign(__entry->node = node;
			   __entry->pages = pages;),
	    TP_printk("node=%d pages=%llu", __entry->node, __entry->pages)
);

#endif /* _NUMACLAIM_TRACE_H */

/* Out of tree: define_trace.h includes this file again, from module/. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
