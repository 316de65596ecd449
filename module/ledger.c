// SPDX-License-Identifier: GPL-2.0
/*
 * numaclaim ledger: claims, free pool pages and held pages, counted per node
 * and for the host under one spinlock, after Xen's memory claims
 * (XENMEM_claim_pages and its NUMA-node-specific claims).
 *
 * Invariants, checked by numaclaim_ledger_consistent():
 *  1. node claims of a node <= its free pages;
 *  2. outstanding claims <= total free pages;
 *  3. tot + claims <= max for every account;
 *  4. every aggregate equals the sum it stands for.
 *
 * Every operation either commits whole or changes nothing, and no sum wraps:
 * counts that come from outside are compared by subtraction from a bound that
 * is known not to be smaller.
 */
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ledger.h"

static bool ledger_consistent(struct numaclaim_ledger *ledger)
	__must_hold(&ledger->lock)
{
	struct numaclaim_account *acct;
	unsigned long total = 0, outstanding = 0;
	unsigned int n;

	lockdep_assert_held(&ledger->lock);

	for (n = 0; n < ledger->nr_nodes; n++) {
		struct numaclaim_ledger_node *ln = &ledger->node[n];
		unsigned long claimed = 0, allocated = 0;

		list_for_each_entry(acct, &ledger->accounts, link) {
			claimed += acct->claim[n];
			allocated += acct->held[n];
		}
		if (claimed != ln->claimed || allocated != ln->allocated ||
		    ln->claimed > ln->avail)
			return false;
		total += ln->avail;
	}
	if (total != ledger->total_avail ||
	    ledger->outstanding > ledger->total_avail)
		return false;

	list_for_each_entry(acct, &ledger->accounts, link) {
		unsigned long claims = acct->claim_any, tot = 0;

		for (n = 0; n < ledger->nr_nodes; n++) {
			claims += acct->claim[n];
			tot += acct->held[n];
		}
		if (claims != acct->claims || tot != acct->tot ||
		    acct->tot > acct->max ||
		    acct->claims > acct->max - acct->tot)
			return false;
		outstanding += claims;
	}
	return outstanding == ledger->outstanding;
}

/**
 * numaclaim_ledger_consistent() - check every invariant of the ledger
 * @ledger: the ledger
 *
 * Walks every account and node: for tests and debug builds, not hot paths.
 *
 * Return: true when every invariant holds.
 */
bool numaclaim_ledger_consistent(struct numaclaim_ledger *ledger)
{
	bool ok;

	spin_lock(&ledger->lock);
	ok = ledger_consistent(ledger);
	spin_unlock(&ledger->lock);
	return ok;
}

/* Debug builds check the invariants after every change of the counts. */
static void ledger_verify(struct numaclaim_ledger *ledger)
	__must_hold(&ledger->lock)
{
	lockdep_assert_held(&ledger->lock);
	if (IS_ENABLED(CONFIG_NUMACLAIM_DEBUG))
		WARN_ON_ONCE(!ledger_consistent(ledger));
}

/**
 * numaclaim_ledger_init() - set up an empty ledger
 * @ledger: the ledger
 * @nr_nodes: number of nodes it counts, at least 1
 *
 * Return: 0, -EINVAL for no node, or -ENOMEM.
 */
int numaclaim_ledger_init(struct numaclaim_ledger *ledger,
			  unsigned int nr_nodes)
{
	if (!nr_nodes || nr_nodes > INT_MAX)
		return -EINVAL;
	ledger->node = kcalloc(nr_nodes, sizeof(*ledger->node), GFP_KERNEL);
	if (!ledger->node)
		return -ENOMEM;
	spin_lock_init(&ledger->lock);
	ledger->nr_nodes = nr_nodes;
	ledger->total_avail = 0;
	ledger->outstanding = 0;
	INIT_LIST_HEAD(&ledger->accounts);
	return 0;
}

/**
 * numaclaim_ledger_destroy() - free a ledger
 * @ledger: the ledger, with no account left and no pool page
 */
void numaclaim_ledger_destroy(struct numaclaim_ledger *ledger)
{
	unsigned int n;

	WARN_ON_ONCE(!list_empty(&ledger->accounts));
	WARN_ON_ONCE(ledger->total_avail || ledger->outstanding);
	for (n = 0; n < ledger->nr_nodes; n++)
		WARN_ON_ONCE(ledger->node[n].allocated);
	kfree(ledger->node);
	ledger->node = NULL;
}

static bool ledger_node_valid(const struct numaclaim_ledger *ledger, int node)
{
	return node >= 0 && node < ledger->nr_nodes;
}

/**
 * numaclaim_ledger_add_pages() - count pages a pool took from the system
 * @ledger: the ledger
 * @node: node of the pool
 * @pages: pages added to its free pages
 *
 * Return: 0, -EINVAL for a bad node, or -EOVERFLOW if a count would wrap.
 */
int numaclaim_ledger_add_pages(struct numaclaim_ledger *ledger, int node,
			       unsigned long pages)
{
	struct numaclaim_ledger_node *ln;
	unsigned long avail, total;
	int ret = 0;

	if (!ledger_node_valid(ledger, node))
		return -EINVAL;
	ln = &ledger->node[node];

	spin_lock(&ledger->lock);
	if (check_add_overflow(ln->avail, pages, &avail) ||
	    check_add_overflow(ledger->total_avail, pages, &total) ||
	    avail > ULONG_MAX - ln->allocated) {
		ret = -EOVERFLOW;
		goto out_unlock;
	}
	ln->avail = avail;
	ledger->total_avail = total;
	ledger_verify(ledger);
out_unlock:
	spin_unlock(&ledger->lock);
	return ret;
}

/**
 * numaclaim_ledger_remove_pages() - take free pages out of a pool
 * @ledger: the ledger
 * @node: node of the pool
 * @pages: pages the pool would like to give back
 *
 * Only free pages that neither the node's claims nor the host's outstanding
 * claims need may go, so invariants 1 and 2 keep holding.
 *
 * Return: the pages removed from the node's free pages, at most @pages.
 */
unsigned long numaclaim_ledger_remove_pages(struct numaclaim_ledger *ledger,
					    int node, unsigned long pages)
{
	struct numaclaim_ledger_node *ln;

	if (!ledger_node_valid(ledger, node))
		return 0;
	ln = &ledger->node[node];

	spin_lock(&ledger->lock);
	pages = min3(pages, ln->avail - ln->claimed,
		     ledger->total_avail - ledger->outstanding);
	ln->avail -= pages;
	ledger->total_avail -= pages;
	ledger_verify(ledger);
	spin_unlock(&ledger->lock);
	return pages;
}

static void ledger_fill_node(struct numaclaim_ledger *ledger,
			     struct numaclaim_account *acct, int nid,
			     struct numaclaim_node_view *nv)
	__must_hold(&ledger->lock)
{
	const struct numaclaim_ledger_node *ln = &ledger->node[nid];

	lockdep_assert_held(&ledger->lock);

	nv->avail = ln->avail;
	nv->claimed = ln->claimed;
	nv->allocated = ln->allocated;
	nv->pool = ln->avail + ln->allocated;
	nv->claim = acct ? acct->claim[nid] : 0;
	nv->held = acct ? acct->held[nid] : 0;
}

/**
 * numaclaim_ledger_view() - read the counts at one instant
 * @ledger: the ledger
 * @acct: the account whose counts to read too, or NULL
 * @view: (out) the host's counts, and @acct's
 * @nodes: (out) the first @nr nodes' counts, or NULL
 * @nr: entries in @nodes; more than the ledger's nodes is fine
 */
void numaclaim_ledger_view(struct numaclaim_ledger *ledger,
			   struct numaclaim_account *acct,
			   struct numaclaim_view *view,
			   struct numaclaim_node_view *nodes, unsigned int nr)
{
	unsigned int n;

	memset(view, 0, sizeof(*view));
	nr = nodes ? min(nr, ledger->nr_nodes) : 0;

	spin_lock(&ledger->lock);
	view->avail = ledger->total_avail;
	view->outstanding = ledger->outstanding;
	for (n = 0; n < ledger->nr_nodes; n++)
		view->allocated += ledger->node[n].allocated;
	view->pool = view->avail + view->allocated;
	if (acct) {
		view->tot = acct->tot;
		view->max = acct->max;
		view->claims = acct->claims;
		view->claim_any = acct->claim_any;
		view->sealed = acct->sealed;
	}
	for (n = 0; n < nr; n++)
		ledger_fill_node(ledger, acct, n, &nodes[n]);
	spin_unlock(&ledger->lock);
}

/**
 * numaclaim_ledger_node_view() - read one node's counts
 * @ledger: the ledger
 * @acct: the account whose counts on the node to read too, or NULL
 * @nid: the node
 * @nv: (out) its counts; all zero for a node the ledger does not have
 */
void numaclaim_ledger_node_view(struct numaclaim_ledger *ledger,
				struct numaclaim_account *acct, int nid,
				struct numaclaim_node_view *nv)
{
	memset(nv, 0, sizeof(*nv));
	if (!ledger_node_valid(ledger, nid))
		return;
	spin_lock(&ledger->lock);
	ledger_fill_node(ledger, acct, nid, nv);
	spin_unlock(&ledger->lock);
}

/**
 * numaclaim_account_init() - open an account with no claim and no limit
 * @acct: the account
 * @ledger: the ledger it belongs to
 *
 * Return: 0 or -ENOMEM.
 */
int numaclaim_account_init(struct numaclaim_account *acct,
			   struct numaclaim_ledger *ledger)
{
	unsigned long *counts;

	counts = kcalloc(2 * (size_t)ledger->nr_nodes, sizeof(*counts),
			 GFP_KERNEL);
	if (!counts)
		return -ENOMEM;
	acct->ledger = ledger;
	acct->claim = counts;
	acct->held = counts + ledger->nr_nodes;
	acct->tot = 0;
	acct->max = ULONG_MAX;
	acct->sealed = false;
	acct->claim_gen = 0;
	acct->claim_any = 0;
	acct->claims = 0;

	spin_lock(&ledger->lock);
	list_add_tail(&acct->link, &ledger->accounts);
	spin_unlock(&ledger->lock);
	return 0;
}

/* Drop up to @pages of the account's claim on @node (ANY: host-level). */
static unsigned long account_drop_claim(struct numaclaim_account *acct,
					int node, unsigned long pages)
	__must_hold(&acct->ledger->lock)
{
	struct numaclaim_ledger *ledger = acct->ledger;
	unsigned long *claim;

	lockdep_assert_held(&ledger->lock);

	claim = node == NUMACLAIM_LEDGER_ANY ? &acct->claim_any :
					       &acct->claim[node];
	pages = min(pages, *claim);
	*claim -= pages;
	if (node != NUMACLAIM_LEDGER_ANY)
		ledger->node[node].claimed -= pages;
	acct->claims -= pages;
	ledger->outstanding -= pages;
	return pages;
}

static void account_reset(struct numaclaim_account *acct)
	__must_hold(&acct->ledger->lock)
{
	unsigned int n;

	lockdep_assert_held(&acct->ledger->lock);

	acct->claim_gen++;
	account_drop_claim(acct, NUMACLAIM_LEDGER_ANY, acct->claim_any);
	for (n = 0; n < acct->ledger->nr_nodes && acct->claims; n++)
		account_drop_claim(acct, n, acct->claim[n]);
}

/**
 * numaclaim_account_reset() - release every claim of an account
 * @acct: the account
 */
void numaclaim_account_reset(struct numaclaim_account *acct)
{
	struct numaclaim_ledger *ledger = acct->ledger;

	spin_lock(&ledger->lock);
	account_reset(acct);
	ledger_verify(ledger);
	spin_unlock(&ledger->lock);
}

/**
 * numaclaim_account_destroy() - close an account
 * @acct: the account; every page it held must have been uncharged
 *
 * Its claims are released.
 */
void numaclaim_account_destroy(struct numaclaim_account *acct)
{
	struct numaclaim_ledger *ledger = acct->ledger;

	spin_lock(&ledger->lock);
	account_reset(acct);
	WARN_ON_ONCE(acct->tot);
	list_del(&acct->link);
	ledger_verify(ledger);
	spin_unlock(&ledger->lock);
	kfree(acct->claim);
	acct->claim = NULL;
	acct->held = NULL;
}

/*
 * The checks of a claim that need no lock: node ids, duplicates, zero pages
 * and a sum that wraps. nr is at most nr_nodes + 1, so the quadratic search
 * for duplicates stays small.
 */
static int stake_validate(const struct numaclaim_ledger *ledger,
			  const struct numaclaim_stake *stakes,
			  unsigned int nr, unsigned long *sum)
{
	unsigned int i, j;

	*sum = 0;
	if (nr > ledger->nr_nodes + 1)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		if (stakes[i].node != NUMACLAIM_LEDGER_ANY &&
		    !ledger_node_valid(ledger, stakes[i].node))
			return -EINVAL;
		if (!stakes[i].pages ||
		    check_add_overflow(*sum, stakes[i].pages, sum))
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (stakes[j].node == stakes[i].node)
				return -EINVAL;
	}
	return 0;
}

/**
 * numaclaim_account_stake() - stake a claim on several nodes at once
 * @acct: the account
 * @stakes: the entries, each node (or NUMACLAIM_LEDGER_ANY) at most once
 * @nr: number of entries; 0 resets every claim of the account
 *
 * All or nothing. The checks come in DESIGN.md's order: malformed entries,
 * a claim still held, the account's limit, then memory.
 *
 * Return: 0; -EINVAL for malformed entries or a claim above the limit;
 * -EBUSY while the account holds a claim; -ENOMEM when a node or the host
 * has not enough unclaimed free pages.
 */
int numaclaim_account_stake(struct numaclaim_account *acct,
			    const struct numaclaim_stake *stakes,
			    unsigned int nr)
{
	struct numaclaim_ledger *ledger = acct->ledger;
	unsigned long sum;
	unsigned int i;
	int ret;

	if (!nr) {
		numaclaim_account_reset(acct);
		return 0;
	}

	ret = stake_validate(ledger, stakes, nr, &sum);
	if (ret)
		return ret;

	spin_lock(&ledger->lock);
	if (acct->claims) {
		ret = -EBUSY;
		goto out_unlock;
	}
	if (sum > acct->max - acct->tot) {
		ret = -EINVAL;
		goto out_unlock;
	}
	ret = -ENOMEM;
	if (sum > ledger->total_avail - ledger->outstanding)
		goto out_unlock;
	for (i = 0; i < nr; i++) {
		struct numaclaim_ledger_node *ln;

		if (stakes[i].node == NUMACLAIM_LEDGER_ANY)
			continue;
		ln = &ledger->node[stakes[i].node];
		if (stakes[i].pages > ln->avail - ln->claimed)
			goto out_unlock;
	}

	for (i = 0; i < nr; i++) {
		if (stakes[i].node == NUMACLAIM_LEDGER_ANY) {
			acct->claim_any = stakes[i].pages;
		} else {
			acct->claim[stakes[i].node] = stakes[i].pages;
			ledger->node[stakes[i].node].claimed += stakes[i].pages;
		}
	}
	acct->claims = sum;
	acct->claim_gen++;
	ledger->outstanding += sum;
	ret = 0;
	ledger_verify(ledger);
out_unlock:
	spin_unlock(&ledger->lock);
	return ret;
}

/* Pages node @node may give @acct: its unclaimed pages plus acct's claim. */
static unsigned long charge_node_room(struct numaclaim_account *acct,
				      int node, bool unclaimed)
	__must_hold(&acct->ledger->lock)
{
	struct numaclaim_ledger_node *ln = &acct->ledger->node[node];

	lockdep_assert_held(&acct->ledger->lock);

	return ln->avail - ln->claimed + (unclaimed ? 0 : acct->claim[node]);
}

static void charge_add_part(struct numaclaim_account *acct,
			    struct numaclaim_charge *req, unsigned long *left,
			    int node)
	__must_hold(&acct->ledger->lock)
{
	unsigned long k;

	k = min(*left, charge_node_room(acct, node,
					req->flags & NUMACLAIM_CHARGE_UNCLAIMED));
	if (!k)
		return;
	req->parts[req->nr_parts].node = node;
	req->parts[req->nr_parts].pages = k;
	req->nr_parts++;
	*left -= k;
}

/*
 * Place the request on nodes without changing a count: the named node, then
 * the others nearest first; for any node, first the nodes where acct holds a
 * claim, then the rest nearest to the calling CPU first. @req->order names
 * every node at most once, so no node is planned twice.
 *
 * What one part may take from a node X (its unclaimed pages plus acct's
 * claim there) does not move when a part on another node is charged: the
 * consumption steps only move acct's claim on X into X's unclaimed pages.
 * What the host may give falls by exactly the pages charged. So a plan made
 * up front passes every per-part check when the parts are charged in turn.
 */
static int charge_plan(struct numaclaim_account *acct,
		       struct numaclaim_charge *req)
	__must_hold(&acct->ledger->lock)
{
	struct numaclaim_ledger *ledger = acct->ledger;
	bool unclaimed = req->flags & NUMACLAIM_CHARGE_UNCLAIMED;
	bool claimed_first = req->node == NUMACLAIM_LEDGER_ANY && !unclaimed;
	unsigned long left = req->pages;
	unsigned int i;
	int node;

	lockdep_assert_held(&ledger->lock);

	req->nr_parts = 0;
	if (req->pages > ledger->total_avail - ledger->outstanding +
			 (unclaimed ? 0 : acct->claims))
		return -ENOMEM;

	if (req->node != NUMACLAIM_LEDGER_ANY) {
		charge_add_part(acct, req, &left, req->node);
		if (req->flags & NUMACLAIM_CHARGE_EXACT_NODE)
			goto out;
	}
	for (i = 0; claimed_first && i < ledger->nr_nodes && left; i++) {
		node = req->order ? req->order[i] : i;
		if (ledger_node_valid(ledger, node) && acct->claim[node])
			charge_add_part(acct, req, &left, node);
	}
	for (i = 0; i < ledger->nr_nodes && left; i++) {
		node = req->order ? req->order[i] : i;
		if (!ledger_node_valid(ledger, node) || node == req->node ||
		    (claimed_first && acct->claim[node]))
			continue;
		charge_add_part(acct, req, &left, node);
	}
out:
	return left ? -ENOMEM : 0;
}

/* Charge @pages taken from @node, consuming claims by DESIGN.md's steps. */
static void charge_commit_part(struct numaclaim_account *acct, int node,
			       unsigned long pages, bool unclaimed)
	__must_hold(&acct->ledger->lock)
{
	struct numaclaim_ledger *ledger = acct->ledger;
	unsigned long used, over;
	unsigned int n;

	lockdep_assert_held(&ledger->lock);

	ledger->node[node].avail -= pages;
	ledger->node[node].allocated += pages;
	ledger->total_avail -= pages;
	acct->held[node] += pages;
	acct->tot += pages;
	if (unclaimed)
		return;

	/* 1. the claim on the node, 2. then the host-level claim. */
	used = account_drop_claim(acct, node, pages);
	account_drop_claim(acct, NUMACLAIM_LEDGER_ANY, pages - used);

	/*
	 * 3. Pages taken where acct had no claim left may leave the host with
	 * more claims than free pages; acct's claims on other nodes give way.
	 * The host check guarantees they suffice.
	 */
	if (ledger->outstanding > ledger->total_avail) {
		over = ledger->outstanding - ledger->total_avail;
		for (n = 0; n < ledger->nr_nodes && over; n++)
			if (n != node)
				over -= account_drop_claim(acct, n, over);
		WARN_ON_ONCE(over);
	}

	/*
	 * 4. Held pages plus claims must stay within the limit: the excess,
	 * reckoned with the whole part, goes from the host-level claim first.
	 */
	if (acct->claims > acct->max - acct->tot) {
		over = acct->claims - (acct->max - acct->tot);
		over -= account_drop_claim(acct, NUMACLAIM_LEDGER_ANY, over);
		for (n = 0; n < ledger->nr_nodes && over; n++)
			over -= account_drop_claim(acct, n, over);
	}
}

/* Note the account's claims before a charge... */
static void charge_undo_begin(struct numaclaim_account *acct,
			      struct numaclaim_undo *undo)
	__must_hold(&acct->ledger->lock)
{
	unsigned int nr = acct->ledger->nr_nodes;

	lockdep_assert_held(&acct->ledger->lock);

	undo->gen = acct->claim_gen;
	memcpy(undo->claims, acct->claim, nr * sizeof(*undo->claims));
	undo->claims[nr] = acct->claim_any;
}

/* ...and keep what it consumed: claims only fall during a charge. */
static void charge_undo_end(struct numaclaim_account *acct,
			    struct numaclaim_undo *undo)
	__must_hold(&acct->ledger->lock)
{
	unsigned int nr = acct->ledger->nr_nodes, n;

	lockdep_assert_held(&acct->ledger->lock);

	for (n = 0; n < nr; n++)
		undo->claims[n] -= acct->claim[n];
	undo->claims[nr] -= acct->claim_any;
}

static int account_charge(struct numaclaim_account *acct,
			  struct numaclaim_charge *req, bool commit)
{
	struct numaclaim_ledger *ledger = acct->ledger;
	bool unclaimed = req->flags & NUMACLAIM_CHARGE_UNCLAIMED;
	unsigned long room;
	unsigned int i;
	int ret;

	req->nr_parts = 0;
	if (!req->pages || (req->flags & ~NUMACLAIM_CHARGE_FLAGS_ALL))
		return -EINVAL;
	if (req->node == NUMACLAIM_LEDGER_ANY) {
		if (req->flags & NUMACLAIM_CHARGE_EXACT_NODE)
			return -EINVAL;
	} else if (!ledger_node_valid(ledger, req->node)) {
		return -EINVAL;
	}

	spin_lock(&ledger->lock);
	room = acct->max - acct->tot;
	if (unclaimed)
		room -= acct->claims;
	if (req->pages > room) {
		ret = -EDQUOT;
		goto out_unlock;
	}
	ret = charge_plan(acct, req);
	if (ret || !commit)
		goto out_unlock;
	if (req->undo)
		charge_undo_begin(acct, req->undo);
	for (i = 0; i < req->nr_parts; i++)
		charge_commit_part(acct, req->parts[i].node,
				   req->parts[i].pages, unclaimed);
	if (req->undo)
		charge_undo_end(acct, req->undo);
	ledger_verify(ledger);
out_unlock:
	spin_unlock(&ledger->lock);
	if (ret)
		req->nr_parts = 0;
	return ret;
}

/**
 * numaclaim_account_charge() - check and charge an allocation request
 * @acct: the account
 * @req: the request; the nodes that serve it come back in @req->parts
 *
 * All or nothing: every check is made for the whole request before any
 * count moves, so a refused request never costs a claim.
 *
 * Return: 0; -EINVAL for bad arguments; -EDQUOT when the request would take
 * the account past its limit; -ENOMEM when the nodes allowed cannot serve it
 * without taking pages claimed by someone else.
 */
int numaclaim_account_charge(struct numaclaim_account *acct,
			     struct numaclaim_charge *req)
{
	return account_charge(acct, req, true);
}

/**
 * numaclaim_account_check() - answer what numaclaim_account_charge() would
 * @acct: the account
 * @req: the request; the plan comes back in @req->parts
 *
 * Changes no count: lets a caller refuse a request, with the errno a charge
 * would give, before it allocates what the request needs. A charge made
 * afterwards may still fail if other accounts moved in between.
 *
 * Return: as numaclaim_account_charge().
 */
int numaclaim_account_check(struct numaclaim_account *acct,
			    struct numaclaim_charge *req)
{
	return account_charge(acct, req, false);
}

/**
 * numaclaim_account_uncharge() - give back pages an account held on a node
 * @acct: the account
 * @node: the node the pages came from
 * @pages: pages given back
 * @gone: how many of @pages leave the pool instead of returning to its free
 *	pages (they are still referenced elsewhere), at most @pages
 *
 * Claims do not come back. Removing @gone pages cannot break an invariant:
 * the free pages grow by @pages first.
 */
void numaclaim_account_uncharge(struct numaclaim_account *acct, int node,
				unsigned long pages, unsigned long gone)
{
	struct numaclaim_ledger *ledger = acct->ledger;
	struct numaclaim_ledger_node *ln;

	if (WARN_ON_ONCE(!ledger_node_valid(ledger, node)))
		return;
	ln = &ledger->node[node];

	spin_lock(&ledger->lock);
	if (WARN_ON_ONCE(pages > acct->held[node] || gone > pages))
		goto out_unlock;
	acct->held[node] -= pages;
	acct->tot -= pages;
	ln->allocated -= pages;
	ln->avail += pages - gone;
	ledger->total_avail += pages - gone;
	ledger_verify(ledger);
out_unlock:
	spin_unlock(&ledger->lock);
}

/* Give a claim of @pages back on @node (ANY: host-level), as far as fits. */
static void account_restore_claim(struct numaclaim_account *acct, int node,
				  unsigned long pages)
	__must_hold(&acct->ledger->lock)
{
	struct numaclaim_ledger *ledger = acct->ledger;
	struct numaclaim_ledger_node *ln;

	lockdep_assert_held(&ledger->lock);

	pages = min(pages, ledger->total_avail - ledger->outstanding);
	pages = min(pages, acct->max - acct->tot - acct->claims);
	if (node == NUMACLAIM_LEDGER_ANY) {
		acct->claim_any += pages;
	} else {
		ln = &ledger->node[node];
		pages = min(pages, ln->avail - ln->claimed);
		acct->claim[node] += pages;
		ln->claimed += pages;
	}
	acct->claims += pages;
	ledger->outstanding += pages;
}

/**
 * numaclaim_account_unwind() - give back the claims a charge consumed
 * @acct: the account
 * @undo: what numaclaim_account_charge() noted in its request's @undo
 *
 * For a request that failed after it was charged: the caller uncharges its
 * pages first (numaclaim_account_uncharge()), then the claims come back as
 * they were, so that the request cost nothing. They come back only as far
 * as the invariants allow, which is whole unless other accounts staked or
 * took the pages in between, and not at all once the account's claims were
 * set or reset since the charge.
 */
void numaclaim_account_unwind(struct numaclaim_account *acct,
			      const struct numaclaim_undo *undo)
{
	struct numaclaim_ledger *ledger = acct->ledger;
	unsigned int n;

	spin_lock(&ledger->lock);
	if (undo->gen != acct->claim_gen)
		goto out_unlock;
	for (n = 0; n < ledger->nr_nodes; n++)
		if (undo->claims[n])
			account_restore_claim(acct, n, undo->claims[n]);
	if (undo->claims[ledger->nr_nodes])
		account_restore_claim(acct, NUMACLAIM_LEDGER_ANY,
				      undo->claims[ledger->nr_nodes]);
	ledger_verify(ledger);
out_unlock:
	spin_unlock(&ledger->lock);
}

/**
 * numaclaim_account_set_max() - set the most pages an account may hold
 *	plus claim
 * @acct: the account
 * @max: the limit; ULONG_MAX is no limit
 * @seal: from now on the limit may only be lowered
 *
 * Return: 0; -EPERM when the limit is sealed and @max would raise it;
 * -EBUSY when the account already holds and claims more than @max.
 */
int numaclaim_account_set_max(struct numaclaim_account *acct,
			      unsigned long max, bool seal)
{
	struct numaclaim_ledger *ledger = acct->ledger;
	int ret = 0;

	spin_lock(&ledger->lock);
	if (acct->sealed && max > acct->max) {
		ret = -EPERM;
	} else if (max < acct->tot || max - acct->tot < acct->claims) {
		ret = -EBUSY;
	} else {
		acct->max = max;
		acct->sealed |= seal;
	}
	ledger_verify(ledger);
	spin_unlock(&ledger->lock);
	return ret;
}
