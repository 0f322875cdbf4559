using System.Text;
using ImageBuilder.Core.Hashing;
using ImageBuilder.Linux.Native;

namespace ImageBuilder.Linux.Seccomp;

/// <summary>
/// Compiled syscall filters kept on disk between ibuild processes. libseccomp takes ~15 ms to
/// compile Docker's profile, which every build that runs a step paid once; reading the program
/// back takes a fraction of a millisecond. A file is named by what the program depends on — the
/// profile's bytes, the capability set, the architecture, the kernel's version and libseccomp's
/// — and ends with a SHA-256 over that name and its contents: a file that is partial, garbled
/// by a crash (they are not fsynced) or of another format is compiled again and replaced, never
/// loaded.
/// </summary>
internal sealed class SeccompProgramCache(string directory)
{
    private const string Format = "ibuild seccomp program 1";
    private const int HashSize = 32;

    /// <summary>The program from the cache, or compiled (by <see cref="SeccompCompiler"/>) and written to it.</summary>
    public SeccompProgram GetOrCompile(SeccompProfile profile, ulong capabilities, SeccompTarget target)
    {
        var key = KeyFor(profile, capabilities, target);
        var path = PathFor(key);
        if (Read(path, key) is { } cached)
        {
            return cached;
        }

        var program = SeccompCompiler.Compile(profile, capabilities, target);
        Write(path, key, program);
        return program;
    }

    /// <summary>
    /// This ibuild binary (path, size, modification time): a new ibuild may translate profiles
    /// differently (a fix in <see cref="SeccompCompiler"/>), so it never takes an older one's program.
    /// </summary>
    private static readonly Lazy<string> ProgramIdentity = new(() =>
    {
        var path = Environment.ProcessPath ?? "";
        var file = new FileInfo(path);
        return file.Exists ? $"{path} {file.Length} {file.LastWriteTimeUtc.Ticks}" : path;
    });

    /// <summary>Where the program for <paramref name="key"/> is kept.</summary>
    internal string PathFor(byte[] key) => Path.Combine(directory, Convert.ToHexStringLower(key));

    /// <summary>What a program depends on, hashed: the profile's bytes, the capabilities, the architecture, the kernel and libseccomp.</summary>
    internal static byte[] KeyFor(SeccompProfile profile, ulong capabilities, SeccompTarget target)
    {
        string libraryVersion;
        try
        {
            libraryVersion = SeccompFilterBuilder.LibraryVersion();
        }
        catch (DllNotFoundException e)
        {
            throw new SeccompException($"{profile.Name}: libseccomp (libseccomp.so.2, Debian's libseccomp2) is not installed", e);
        }

        return Sha256.Hash(Encoding.UTF8.GetBytes(
            $"{Format}\n{Convert.ToHexStringLower(profile.Digest)}\n{capabilities:x16}\n{target.SeccompArchitecture}\n{target.Kernel}\n{libraryVersion}\n{ProgramIdentity.Value}\n"));
    }

    /// <summary>The program in <paramref name="path"/> when the file is whole and made for <paramref name="key"/>; else null.</summary>
    internal static SeccompProgram? Read(string path, byte[] key)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        if (bytes.Length < sizeof(int) + HashSize || !Sha256.Hash([.. key, .. bytes.AsSpan(0, bytes.Length - HashSize)]).AsSpan().SequenceEqual(bytes.AsSpan(^HashSize)))
        {
            return null;
        }

        var body = bytes.AsSpan(0, bytes.Length - HashSize);
        var length = BitConverter.ToInt32(body);
        if (length <= 0 || length % SeccompProgram.InstructionSize != 0 || length / SeccompProgram.InstructionSize > SeccompProgram.MaxInstructions
            || length > body.Length - sizeof(int))
        {
            return null;
        }

        var unknown = Encoding.UTF8.GetString(body[(sizeof(int) + length)..]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return new SeccompProgram(body.Slice(sizeof(int), length).ToArray(), unknown);
    }

    /// <summary>Writes the program for <paramref name="key"/> (temporary file, then rename); a failure only costs the next process a compile.</summary>
    internal static void Write(string path, byte[] key, SeccompProgram program)
    {
        var body = new List<byte>(BitConverter.GetBytes(program.Instructions.Length));
        body.AddRange(program.Instructions.ToArray());
        body.AddRange(Encoding.UTF8.GetBytes(string.Join('\n', program.UnknownSyscalls)));
        var contents = (byte[])[.. body, .. Sha256.Hash([.. key, .. body])];
        var directory = Path.GetDirectoryName(path)!;
        var temporary = Path.Combine(directory, $"{TemporaryPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(directory);
            RemoveAbandonedTemporaries(directory);
            File.WriteAllBytes(temporary, contents);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception again) when (again is IOException or UnauthorizedAccessException)
            {
                // Nothing was written, or a later write removes it.
            }
        }
    }

    private const string TemporaryPrefix = ".tmp-";

    /// <summary>Deletes the temporary files of processes that are gone (killed between write and rename).</summary>
    private static void RemoveAbandonedTemporaries(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory, TemporaryPrefix + "*"))
        {
            var name = Path.GetFileName(file)[TemporaryPrefix.Length..];
            var dash = name.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && int.TryParse(name.AsSpan(0, dash), out var pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                File.Delete(file);
            }
        }
    }
}
