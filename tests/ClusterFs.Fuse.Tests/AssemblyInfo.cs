using System.Runtime.Versioning;

// FUSE mounts exist only on Linux; so do these tests.
[assembly: SupportedOSPlatform("linux")]
