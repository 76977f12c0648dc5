// Package adb recognises the Android Debug Bridge over TCP (adbd's port
// 5555, which the catalog gives to IBM i Management Central): a message
// header of 24 little-endian bytes (command, two arguments, data length,
// data CRC, and the command's one's complement as magic) opening with CNXN,
// AUTH or STLS. A device that speaks it is no IBM i, whatever the port.
package adb
