using System.Diagnostics;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.SandboxEscapes;

/// <summary>
/// The classic chroot escape, from a RUN step: chroot into a subdirectory without entering it,
/// climb ".." from the cwd left outside, chroot("."). The step keeps CAP_SYS_CHROOT (Docker's
/// default set), so the escape "works" — and must still end in the step's own root, because
/// the sandbox pivot_roots and detaches the host's root.
/// </summary>
public sealed class ChrootEscapeTests : IDisposable
{
    private const string EscapeProgram = """
        #include <stdio.h>
        #include <sys/stat.h>
        #include <unistd.h>
        int main(int argc, char **argv) {
            mkdir("/escape-jail", 0755);
            if (chroot("/escape-jail") != 0) { perror("chroot jail"); return 2; }
            for (int i = 0; i < 64; i++) { if (chdir("..") != 0) { perror("chdir"); return 3; } }
            if (chroot(".") != 0) { perror("chroot ."); return 4; }
            for (int i = 1; i < argc; i++) { printf("%s: %s\n", argv[i], access(argv[i], F_OK) == 0 ? "found" : "absent"); }
            return 0;
        }
        """;

    private readonly BuildFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    [RootFact]
    public async Task Climbing_out_of_a_chroot_reaches_the_steps_root_not_the_hosts()
    {
        // The marker is on the host, at a path that is absent from the image.
        var marker = $"/tmp/ibuild-escape-marker-{Guid.NewGuid():N}";
        File.WriteAllText(marker, "host");
        try
        {
            await fixture.ImportBaseAsync();
            fixture.Write("escape.c", EscapeProgram);
            using (var gcc = Process.Start("gcc", ["-static", "-O1", "-o", Path.Combine(fixture.Context, "escape"), Path.Combine(fixture.Context, "escape.c")])!)
            {
                await gcc.WaitForExitAsync();
                Assert.Equal(0, gcc.ExitCode);
            }

            var result = await fixture.BuildAsync($"FROM box:1\nCOPY escape /escape\nRUN /escape /bin/busybox {marker}\n");

            // /bin/busybox is in the step's root but not in the empty jail: finding it proves the
            // escape left the jail; not finding the host's marker proves it stopped at the step's root.
            result.Ok();
            Assert.Contains("/bin/busybox: found", result.Stderr + result.Stdout);
            Assert.Contains($"{marker}: absent", result.Stderr + result.Stdout);
            Assert.Equal("host", File.ReadAllText(marker));
        }
        finally
        {
            File.Delete(marker);
        }
    }
}
