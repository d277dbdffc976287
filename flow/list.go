package flow

// connList is an intrusive doubly linked list of connections, oldest
// activity first. It makes touching, removing and expiring O(1).
type connList struct {
	head, tail *Conn
	n          int
}

func (l *connList) pushBack(c *Conn) {
	c.prev, c.next = l.tail, nil
	if l.tail != nil {
		l.tail.next = c
	} else {
		l.head = c
	}
	l.tail = c
	l.n++
}

func (l *connList) remove(c *Conn) {
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		l.head = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	} else {
		l.tail = c.prev
	}
	c.prev, c.next = nil, nil
	l.n--
}

func (l *connList) moveToBack(c *Conn) {
	if l.tail == c {
		return
	}
	l.remove(c)
	l.pushBack(c)
}
