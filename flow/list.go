package flow

import "unsafe"

// node is the head of what the Tracker keeps in its tables and lists (a
// Conn, a tomb): its position in a list, its key and the key's hash. It
// must be the element's first field (embedded, so that its fields read
// as the element's): tables and lists find it at the element's address,
// with no call (TestNodeComesFirst checks it). A method returning it,
// the usual generic way, cost five indirect calls per move of the
// tracker's hot path.
type node[T any] struct {
	prev, next *T
	key        connKey
	hash       uint64 // key.hash(), the element's place in its table
}

// nodeOf returns the node of x, its first field.
func nodeOf[T Conn | tomb](x *T) *node[T] { return (*node[T])(unsafe.Pointer(x)) }

// list is an intrusive doubly linked list, oldest first: the Tracker's
// open connections by last activity and its closed ones (tombs) by
// teardown. It makes touching, removing and expiring O(1).
type list[T Conn | tomb] struct {
	head, tail *T
	n          int
}

func (l *list[T]) pushBack(x *T) {
	lx := nodeOf(x)
	lx.prev, lx.next = l.tail, nil
	if l.tail != nil {
		nodeOf(l.tail).next = x
	} else {
		l.head = x
	}
	l.tail = x
	l.n++
}

func (l *list[T]) remove(x *T) {
	lx := nodeOf(x)
	if lx.prev != nil {
		nodeOf(lx.prev).next = lx.next
	} else {
		l.head = lx.next
	}
	if lx.next != nil {
		nodeOf(lx.next).prev = lx.prev
	} else {
		l.tail = lx.prev
	}
	lx.prev, lx.next = nil, nil
	l.n--
}

func (l *list[T]) moveToBack(x *T) {
	if l.tail == x {
		return
	}
	l.remove(x)
	l.pushBack(x)
}
