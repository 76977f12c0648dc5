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
	put := func(i, v, n int) {
		for j := i + n - 1; j >= i; j-- {
			buf[j] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, year, 4)
	buf[4] = '-'
	put(5, int(month), 2)
	buf[7] = '-'
	put(8, day, 2)
	buf[10] = 'T'
	put(11, hour, 2)
	buf[13] = ':'
	put(14, min, 2)
	buf[16] = ':'
	put(17, sec, 2)
	buf[19] = '.'
	put(20, ns, 9)
	buf[29] = 'Z'
	return append(b, buf[:]...)
}

// FormatTime returns t in TimeLayout.
func FormatTime(t time.Time) string {
	var buf [40]byte
	return string(AppendTime(buf[:0], t))
}
