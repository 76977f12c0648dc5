// Package sensor runs the streaming half of ibmitap: it drives a capture
// source into a classify engine with a wall clock for quiet links, hands
// records and finding events to bounded output queues served by one writer
// each (files with reopen and rotation, syslog), and publishes the run's
// counters for the stats line and Prometheus metrics. Capture never waits
// for output: what a full queue cannot take is counted as dropped.
package sensor
