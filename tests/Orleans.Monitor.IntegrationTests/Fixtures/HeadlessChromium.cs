using Microsoft.Playwright;

namespace Orleans.Monitor.IntegrationTests.Fixtures;

/// <summary>Debian's Chromium, headless, as every browser test launches it.</summary>
internal static class HeadlessChromium
{
    private static readonly BrowserTypeLaunchOptions Options = new()
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    };

    /// <summary>Launches the browser; the caller disposes it.</summary>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(Options);
}
