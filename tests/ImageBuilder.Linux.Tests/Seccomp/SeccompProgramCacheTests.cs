using ImageBuilder.Linux.Sandbox;
using ImageBuilder.Linux.Seccomp;

namespace ImageBuilder.Linux.Tests.Seccomp;

/// <summary>
/// Compiled syscall filters kept between processes: a later process reads the program an
/// earlier one compiled, and never loads a file that is damaged or was made for something else.
/// </summary>
public sealed class SeccompProgramCacheTests : IDisposable
{
    private const ulong Capabilities = SandboxInit.DefaultCapabilities;

    // One instruction: SECCOMP_RET_ALLOW. Nothing libseccomp would make of Docker's profile.
    private static readonly SeccompProgram Planted = new([0x06, 0, 0, 0, 0, 0, 0xff, 0x7f], ["planted"]);

    private readonly string directory = Directory.CreateTempSubdirectory("ibuild-seccomp-cache-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void A_later_process_reads_the_program_an_earlier_one_compiled()
    {
        var compiled = NewProcessProfile().CompileFor(Capabilities, directory);
        var cache = new SeccompProgramCache(directory);
        var path = cache.PathFor(SeccompProgramCache.KeyFor(NewProcessProfile(), Capabilities, SeccompTarget.Current));
        var read = SeccompProgramCache.Read(path, SeccompProgramCache.KeyFor(NewProcessProfile(), Capabilities, SeccompTarget.Current));

        Assert.NotNull(read);
        Assert.Equal(compiled.Instructions.ToArray(), read.Instructions.ToArray());
        Assert.Equal(compiled.UnknownSyscalls, read.UnknownSyscalls);
        Assert.Equal(SeccompProfile.DockerDefault.CompileFor(Capabilities).Instructions.ToArray(), compiled.Instructions.ToArray());

        // What is in the file is what the next process loads (it does not compile again).
        SeccompProgramCache.Write(path, SeccompProgramCache.KeyFor(NewProcessProfile(), Capabilities, SeccompTarget.Current), Planted);
        var next = NewProcessProfile().CompileFor(Capabilities, directory);
        Assert.Equal(Planted.Instructions.ToArray(), next.Instructions.ToArray());
        Assert.Equal(["planted"], next.UnknownSyscalls);
    }

    [Fact]
    public void A_damaged_file_is_compiled_again_and_replaced_never_loaded()
    {
        var key = SeccompProgramCache.KeyFor(NewProcessProfile(), Capabilities, SeccompTarget.Current);
        var path = new SeccompProgramCache(directory).PathFor(key);
        SeccompProgramCache.Write(path, key, Planted);
        var bytes = File.ReadAllBytes(path);
        bytes[6] ^= 0x01; // the program's return value: still a well-formed program, but not the one written
        File.WriteAllBytes(path, bytes);

        var program = NewProcessProfile().CompileFor(Capabilities, directory);

        var real = SeccompProfile.DockerDefault.CompileFor(Capabilities).Instructions.ToArray();
        Assert.Equal(real, program.Instructions.ToArray());
        Assert.Equal(real, SeccompProgramCache.Read(path, key)!.Instructions.ToArray());
        Assert.Null(SeccompProgramCache.Read(path, [.. key.Reverse()]));
    }

    [Fact]
    public void A_program_for_another_capability_set_or_profile_is_not_taken()
    {
        var fewer = Capabilities & ~(1UL << 0); // without CAP_CHOWN
        var key = SeccompProgramCache.KeyFor(NewProcessProfile(), Capabilities, SeccompTarget.Current);
        SeccompProgramCache.Write(new SeccompProgramCache(directory).PathFor(key), key, Planted);
        var otherProfile = SeccompProfile.Parse(DefaultJson().Append((byte)'\n').ToArray(), "the default, one byte longer");

        Assert.NotEqual(Planted.Instructions.ToArray(), NewProcessProfile().CompileFor(fewer, directory).Instructions.ToArray());
        Assert.NotEqual(Planted.Instructions.ToArray(), otherProfile.CompileFor(Capabilities, directory).Instructions.ToArray());
        Assert.Equal(3, Directory.GetFiles(directory).Length);
    }

    /// <summary>Docker's profile as a new process reads it: nothing compiled in memory yet.</summary>
    private static SeccompProfile NewProcessProfile() => SeccompProfile.Parse(DefaultJson(), "Docker's default seccomp profile");

    private static byte[] DefaultJson()
    {
        using var stream = typeof(SeccompProfile).Assembly.GetManifestResourceStream(SeccompProfile.ResourceName)!;
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
