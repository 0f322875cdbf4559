namespace ImageBuilder.Linux.Native;

/// <summary>One name read from a directory: the kernel's bytes and the same name as a string.</summary>
internal readonly record struct DirectoryName(string Name, byte[] Utf8);
