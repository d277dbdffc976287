package pcaptest

import (
	"reflect"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

func TestConvLadderTracksSequenceAndAckNumbers(t *testing.T) {
	for _, fam := range families {
		t.Run(fam.name, func(t *testing.T) {
			b := NewBuilder(Ethernet)
			c := b.Conv(fam.client, fam.server, 1000, 5000)
			c.SYN(ms(0))
			c.SYNACK(ms(1))
			c.ACK(ms(2))
			c.Server(ms(3), "220 hi\r\n")
			c.ACK(ms(4))
			c.Client(ms(5), "QUIT\r\n")
			c.ServerACK(ms(6))
			c.ServerFIN(ms(7))
			c.ClientFIN(ms(8))
			c.ServerACK(ms(9))
			want := []seg{
				{40000, "S", 1000, 0, ""},
				{25, "AS", 5000, 1001, ""},
				{40000, "A", 1001, 5001, ""},
				{25, "AP", 5001, 1001, "220 hi\r\n"},
				{40000, "A", 1001, 5009, ""},
				{40000, "AP", 1001, 5009, "QUIT\r\n"},
				{25, "A", 5009, 1007, ""},
				{25, "AF", 5009, 1007, ""},
				{40000, "AF", 1007, 5010, ""},
				{25, "A", 5010, 1008, ""},
			}
			if got := segs(t, b); !reflect.DeepEqual(got, want) {
				t.Errorf("ladder:\n got %v\nwant %v", got, want)
			}
			for i, p := range b.Packets {
				if !p.Time.Equal(ms(i)) {
					t.Errorf("packet %d time %v, want %v", i, p.Time, ms(i))
				}
			}
			if c.ClientSeq() != 1008 || c.ServerSeq() != 5010 {
				t.Errorf("next seqs = %d/%d, want 1008/5010", c.ClientSeq(), c.ServerSeq())
			}
		})
	}
}

func TestConvAtEmitsWithoutAdvancing(t *testing.T) {
	b := NewBuilder(RawIP)
	c := b.Conv(client4, server4, 1000, 5000)
	c.SYN(ms(0))
	c.SYNACK(ms(1))
	c.Client(ms(2), "MAIL FROM:<a@b>\r\n")
	c.ClientAt(ms(3), 0, "MAIL FROM:<a@b>\r\n") // retransmission
	c.ClientAt(ms(4), 5, "FROM")                // overlap
	c.ServerAt(ms(5), 0, "250 ok\r\n")
	want := []seg{
		{40000, "S", 1000, 0, ""},
		{25, "AS", 5000, 1001, ""},
		{40000, "AP", 1001, 5001, "MAIL FROM:<a@b>\r\n"},
		{40000, "AP", 1001, 5001, "MAIL FROM:<a@b>\r\n"},
		{40000, "AP", 1006, 5001, "FROM"},
		{25, "AP", 5001, 1018, "250 ok\r\n"},
	}
	if got := segs(t, b); !reflect.DeepEqual(got, want) {
		t.Errorf("segments:\n got %v\nwant %v", got, want)
	}
	if c.ClientSeq() != 1018 || c.ServerSeq() != 5001 {
		t.Errorf("next seqs = %d/%d, want 1018/5001", c.ClientSeq(), c.ServerSeq())
	}
}

func TestConvSkipLeavesAGapForOutOfOrderDelivery(t *testing.T) {
	b := NewBuilder(RawIP)
	c := b.Conv(client6, server6, 1000, 5000)
	c.SYN(ms(0))
	c.SYNACK(ms(1))
	c.SkipClient(4) // "DATA" is sent first but captured last
	c.Client(ms(2), "\r\n")
	c.ClientAt(ms(3), 0, "DATA")
	c.SkipServer(3)
	c.ServerACK(ms(4))
	want := []seg{
		{40000, "S", 1000, 0, ""},
		{25, "AS", 5000, 1001, ""},
		{40000, "AP", 1005, 5001, "\r\n"},
		{40000, "AP", 1001, 5001, "DATA"},
		{25, "A", 5004, 1007, ""},
	}
	if got := segs(t, b); !reflect.DeepEqual(got, want) {
		t.Errorf("segments:\n got %v\nwant %v", got, want)
	}
}

func TestConvResetsUseNextSequenceAndDoNotAdvance(t *testing.T) {
	b := NewBuilder(Ethernet)
	c := b.Conv(client4, server4, 1000, 5000)
	c.SYN(ms(0))
	c.SYNACK(ms(1))
	c.Client(ms(2), "HELO\r\n")
	c.ServerRST(ms(3))
	c.ClientRST(ms(4))
	c.ClientRST(ms(5))
	want := []seg{
		{40000, "S", 1000, 0, ""},
		{25, "AS", 5000, 1001, ""},
		{40000, "AP", 1001, 5001, "HELO\r\n"},
		{25, "AR", 5001, 1007, ""},
		{40000, "AR", 1007, 5001, ""},
		{40000, "AR", 1007, 5001, ""},
	}
	if got := segs(t, b); !reflect.DeepEqual(got, want) {
		t.Errorf("segments:\n got %v\nwant %v", got, want)
	}
}

func TestServerRSTToSYNAnswersTheSYN(t *testing.T) {
	b := NewBuilder(Ethernet)
	c := b.Conv(client4, server4, 0xfffffff0, 5000)
	c.SYN(ms(0))
	c.ServerRSTToSYN(ms(1))
	want := []seg{
		{40000, "S", 0xfffffff0, 0, ""},
		{25, "AR", 0, 0xfffffff1, ""},
	}
	if got := segs(t, b); !reflect.DeepEqual(got, want) {
		t.Errorf("segments:\n got %v\nwant %v", got, want)
	}
}

func TestConvSequenceWrapsAround(t *testing.T) {
	b := NewBuilder(RawIP)
	c := b.Conv(client4, server4, 0xfffffffe, 0xffffffff)
	c.SYN(ms(0))
	c.SYNACK(ms(1))
	c.Client(ms(2), "abc")
	c.ServerAt(ms(3), 1, "x")
	want := []seg{
		{40000, "S", 0xfffffffe, 0, ""},
		{25, "AS", 0xffffffff, 0xffffffff, ""},
		{40000, "AP", 0xffffffff, 0, "abc"},
		{25, "AP", 1, 2, "x"},
	}
	if got := segs(t, b); !reflect.DeepEqual(got, want) {
		t.Errorf("segments:\n got %v\nwant %v", got, want)
	}
}

func TestConvTTLOverridesBuilderTTL(t *testing.T) {
	b := NewBuilder(RawIP)
	c := b.Conv(client4, server4, 1000, 5000)
	c.SYN(ms(0))
	c.TTL = 250
	c.ServerRST(ms(1))
	c.TTL = 0
	c.ServerRST(ms(2))
	for i, want := range []uint8{64, 250, 64} {
		ip := decode(t, RawIP, b.Packets[i].Data).Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if ip.TTL != want {
			t.Errorf("packet %d TTL = %d, want %d", i, ip.TTL, want)
		}
	}
}

func TestConvUsesCurrentInterface(t *testing.T) {
	b := NewBuilder(Ethernet)
	b.Interfaces = []Link{Ethernet, LinuxSLL2}
	c := b.Conv(client4, server4, 1, 2)
	c.SYN(ms(0))
	b.Interface = 1
	c.SYNACK(ms(1))
	if b.Packets[0].Interface != 0 || b.Packets[1].Interface != 1 {
		t.Fatalf("interfaces = %d, %d, want 0, 1", b.Packets[0].Interface, b.Packets[1].Interface)
	}
	if p := decode(t, LinuxSLL2, b.Packets[1].Data); p.Layer(layers.LayerTypeLinuxSLL2) == nil {
		t.Errorf("packet on interface 1 is not framed as LinuxSLL2")
	}
}
