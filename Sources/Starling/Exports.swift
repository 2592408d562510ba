// A message's header and body are NIO `ByteBuffer`s: make them usable without importing NIOCore.
@_exported import struct NIOCore.ByteBuffer
@_exported import struct NIOCore.ByteBufferAllocator
