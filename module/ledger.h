/* SPDX-License-Identifier: GPL-2.0 */
/*
 * numaclaim ledger: the accounting of claims, free pool pages and the pages
 * each account holds, on a host of nr_nodes nodes. It knows nothing of
 * pages, files or userspace: it only counts, under one spinlock.
 */
#ifndef _NUMACLAIM_LEDGER_H
#define _NUMACLAIM_LEDGER_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/* The node of a host-level claim or of a request for any node. */
#define NUMACLAIM_LEDGER_ANY		(-1)

/* Only the named node may serve the request. */
#define NUMACLAIM_CHARGE_EXACT_NODE	BIT(0)
/* The account's claims neither serve nor pay for the request. */
#define NUMACLAIM_CHARGE_UNCLAIMED	BIT(1)
#define NUMACLAIM_CHARGE_FLAGS_ALL	(NUMACLAIM_CHARGE_EXACT_NODE | \
					 NUMACLAIM_CHARGE_UNCLAIMED)

/**
 * struct numaclaim_ledger_node - the counts of one node
 * @avail: free pool pages of the node (avail[n])
 * @claimed: node claims, the sum of every account's claim on the node
 * @allocated: pool pages of the node held by accounts
 */
struct numaclaim_ledger_node {
	unsigned long avail;
	unsigned long claimed;
	unsigned long allocated;
};

/**
 * struct numaclaim_ledger - the host's ledger
 * @lock: guards every count below and every account's counts
 * @nr_nodes: number of nodes, ids 0 to nr_nodes - 1
 * @total_avail: sum of @avail of every node
 * @outstanding: sum of every claim, node-specific and host-level
 * @accounts: every live account, for the invariant check
 * @node: the counts of each node, @nr_nodes of them
 */
struct numaclaim_ledger {
	spinlock_t lock;	/* the ledger's only lock */
	unsigned int nr_nodes;
	/* protected by @lock */
	unsigned long total_avail;
	unsigned long outstanding;
	struct list_head accounts;
	struct numaclaim_ledger_node *node;
};

/**
 * struct numaclaim_account - the counts of one context
 * @ledger: the ledger the account belongs to
 * @link: entry in @ledger->accounts
 * @tot: pages the account holds
 * @max: most pages the account may hold plus claim; ULONG_MAX is no limit
 * @sealed: @max may only be lowered
 * @claim_gen: bumped whenever the account's claims are set or reset
 * @claim_any: the host-level claim
 * @claims: every claim of the account, host-level included
 * @claim: the claim on each node, @ledger->nr_nodes of them
 * @held: pages held on each node, @ledger->nr_nodes of them
 */
struct numaclaim_account {
	struct numaclaim_ledger *ledger;
	/* protected by @ledger->lock */
	struct list_head link;
	unsigned long tot;
	unsigned long max;
	bool sealed;
	unsigned long claim_gen;
	unsigned long claim_any;
	unsigned long claims;
	unsigned long *claim;
	unsigned long *held;
};

/**
 * struct numaclaim_stake - one entry of a claim
 * @node: node id, or NUMACLAIM_LEDGER_ANY for a host-level claim
 * @pages: pages claimed
 */
struct numaclaim_stake {
	int node;
	unsigned long pages;
};

/**
 * struct numaclaim_part - pages of one request served by one node
 * @node: the node
 * @pages: pages taken from it
 */
struct numaclaim_part {
	int node;
	unsigned long pages;
};

/**
 * struct numaclaim_charge - an allocation request
 * @pages: (in) pages requested
 * @node: (in) node wanted, or NUMACLAIM_LEDGER_ANY
 * @flags: (in) NUMACLAIM_CHARGE_* flags
 * @order: (in) every node id once, nearest first from @node, or from the
 *	calling CPU's node when @node is NUMACLAIM_LEDGER_ANY; NULL means
 *	ascending ids
 * @parts: (out) the nodes that serve the request, in placement order;
 *	room for nr_nodes entries
 * @nr_parts: (out) entries filled in @parts
 * @undo: (out) what a charge consumed, for numaclaim_account_unwind()
 */
struct numaclaim_charge {
	unsigned long pages;
	int node;
	unsigned int flags;
	const int *order;
	struct numaclaim_part *parts;
	unsigned int nr_parts;
	struct numaclaim_undo *undo;
};

/**
 * struct numaclaim_undo - the claims one charge consumed
 * @gen: the account's claim generation when it was charged
 * @claims: room for nr_nodes + 1 counts: the claim consumed on each node,
 *	then the host-level claim consumed
 */
struct numaclaim_undo {
	unsigned long gen;
	unsigned long *claims;
};

/**
 * struct numaclaim_view - the host's counts, and one account's
 * @pool: pool pages of every node, free or held
 * @avail: free pool pages
 * @outstanding: every claim
 * @allocated: pool pages held by accounts
 * @tot: pages the account holds
 * @max: the account's limit
 * @claims: every claim of the account
 * @claim_any: its host-level claim
 * @sealed: the account's limit may only be lowered
 */
struct numaclaim_view {
	unsigned long pool, avail, outstanding, allocated;
	unsigned long tot, max, claims, claim_any;
	bool sealed;
};

/**
 * struct numaclaim_node_view - one node's counts, and one account's there
 * @pool: pool pages of the node, free or held
 * @avail: free pool pages of the node
 * @claimed: node claims
 * @allocated: pool pages of the node held by accounts
 * @claim: the account's claim on the node
 * @held: pages the account holds on the node
 */
struct numaclaim_node_view {
	unsigned long pool, avail, claimed, allocated;
	unsigned long claim, held;
};

int numaclaim_ledger_init(struct numaclaim_ledger *ledger,
			  unsigned int nr_nodes);
void numaclaim_ledger_destroy(struct numaclaim_ledger *ledger);
int numaclaim_ledger_add_pages(struct numaclaim_ledger *ledger, int node,
			       unsigned long pages);
unsigned long numaclaim_ledger_remove_pages(struct numaclaim_ledger *ledger,
					    int node, unsigned long pages);
bool numaclaim_ledger_consistent(struct numaclaim_ledger *ledger);
void numaclaim_ledger_view(struct numaclaim_ledger *ledger,
			   struct numaclaim_account *acct,
			   struct numaclaim_view *view,
			   struct numaclaim_node_view *nodes, unsigned int nr);
void numaclaim_ledger_node_view(struct numaclaim_ledger *ledger,
				struct numaclaim_account *acct, int nid,
				struct numaclaim_node_view *nv);

int numaclaim_account_init(struct numaclaim_account *acct,
			   struct numaclaim_ledger *ledger);
void numaclaim_account_destroy(struct numaclaim_account *acct);
int numaclaim_account_stake(struct numaclaim_account *acct,
			    const struct numaclaim_stake *stakes,
			    unsigned int nr);
void numaclaim_account_reset(struct numaclaim_account *acct);
int numaclaim_account_charge(struct numaclaim_account *acct,
			     struct numaclaim_charge *req);
int numaclaim_account_check(struct numaclaim_account *acct,
			    struct numaclaim_charge *req);
void numaclaim_account_uncharge(struct numaclaim_account *acct, int node,
				unsigned long pages, unsigned long gone);
void numaclaim_account_unwind(struct numaclaim_account *acct,
			      const struct numaclaim_undo *undo);
int numaclaim_account_set_max(struct numaclaim_account *acct,
			      unsigned long max, bool seal);

#endif /* _NUMACLAIM_LEDGER_H */
