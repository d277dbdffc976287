package flow

import "unsafe"

// links are an element's position in a list. They must be the element's
// first field: list finds them at the element's address, with no call
// (TestListLinksComeFirst checks it). A method returning them, the usual
// generic way, costs five indirect calls per move in the tracker's hot
// path.
type links[T any] struct {
	prev, next *T
}

// linksOf returns the links of x, which are its first field.
func linksOf[T Conn | tomb](x *T) *links[T] { return (*links[T])(unsafe.Pointer(x)) }

// list is an intrusive doubly linked list, oldest first: the Tracker's
// open connections by last activity and its closed ones (tombs) by
// teardown. It makes touching, removing and expiring O(1).
type list[T Conn | tomb] struct {
	head, tail *T
	n          int
}

func (l *list[T]) pushBack(x *T) {
	lx := linksOf(x)
	lx.prev, lx.next = l.tail, nil
	if l.tail != nil {
		linksOf(l.tail).next = x
	} else {
		l.head = x
	}
	l.tail = x
	l.n++
}

func (l *list[T]) remove(x *T) {
	lx := linksOf(x)
	if lx.prev != nil {
		linksOf(lx.prev).next = lx.next
	} else {
		l.head = lx.next
	}
	if lx.next != nil {
		linksOf(lx.next).prev = lx.prev
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
