package record

import "time"

// AppendTime appends t in TimeLayout (RFC 3339 with nine fraction digits)
// as time.Time.AppendFormat does, without parsing the layout each time: one
// call per timestamp of every record.
func AppendTime(b []byte, t time.Time) []byte {
	_, off := t.Zone()
	year, month, day := t.Date()
	if off != 0 || year < 0 || year > 9999 {
		return t.AppendFormat(b, TimeLayout)
	}
	hour, min, sec := t.Clock()
	ns := t.Nanosecond()
	var buf [30]byte
	put2(buf[0:], year/100)
	put2(buf[2:], year%100)
	buf[4] = '-'
	put2(buf[5:], int(month))
	buf[7] = '-'
	put2(buf[8:], day)
	buf[10] = 'T'
	put2(buf[11:], hour)
	buf[13] = ':'
	put2(buf[14:], min)
	buf[16] = ':'
	put2(buf[17:], sec)
	buf[19] = '.'
	// All nine digits, trailing zeros kept (TimeLayout's .000000000).
	buf[20] = byte('0' + ns/1e8)
	put2(buf[21:], ns/1e6%100)
	put2(buf[23:], ns/1e4%100)
	put2(buf[25:], ns/100%100)
	put2(buf[27:], ns%100)
	buf[29] = 'Z'
	return append(b, buf[:]...)
}

// FormatTime returns t in TimeLayout.
func FormatTime(t time.Time) string {
	var buf [40]byte
	return string(AppendTime(buf[:0], t))
}

// twoDigits holds "00" to "99": one lookup per pair of digits.
const twoDigits = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// put2 writes v (0 to 99) as two digits at b[0:2].
func put2(b []byte, v int) {
	b[1], b[0] = twoDigits[2*v+1], twoDigits[2*v]
}
