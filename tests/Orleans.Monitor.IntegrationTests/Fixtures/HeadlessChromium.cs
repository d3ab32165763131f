using Microsoft.Playwright;

namespace Orleans.Monitor.IntegrationTests.Fixtures;

/// <summary>
/// Debian's Chromium, headless, as every browser test runs it: one browser per test class, pages at 1400×1000 unless
/// told otherwise, and screenshots saved under the test output's <c>screenshots/</c> folder.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    private static readonly BrowserTypeLaunchOptions Options = new()
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    };

    private readonly IPlaywright _playwright;

    private HeadlessChromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    /// <summary>The folder the screenshots go to: <c>screenshots/</c> in the test output.</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <summary>The launched browser.</summary>
    public IBrowser Browser { get; }

    /// <summary>Starts Playwright and launches the browser; the caller disposes the result.</summary>
    public static async Task<HeadlessChromium> LaunchAsync()
    {
        Directory.CreateDirectory(ScreenshotFolder);
        var playwright = await Playwright.CreateAsync();
        try
        {
            return new HeadlessChromium(playwright, await playwright.Chromium.LaunchAsync(Options));
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A new page in a fresh context, <paramref name="viewport"/> or 1400×1000.</summary>
    public Task<IPage> NewPageAsync(ViewportSize? viewport = null) =>
        Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = viewport ?? new ViewportSize { Width = 1400, Height = 1000 } });

    /// <summary>Saves a screenshot of <paramref name="page"/> as <paramref name="name"/> in <see cref="ScreenshotFolder"/>; returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name, bool fullPage = true)
    {
        ArgumentNullException.ThrowIfNull(page);
        var path = Path.Combine(ScreenshotFolder, name);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = fullPage });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
