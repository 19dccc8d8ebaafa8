"""The web page in a real browser: `serve` on a free port, headless Chromium (Debian's chromium + chromium-driver)
driven by Selenium uploads a synthetic jump-rope clip and a text file; screenshots go to a temporary folder, or to
images/web_*.png (the README's) with MOTIONLAB_SCREENSHOTS=1."""

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from motionlab.cache import IMAGES_DIR, atomic_output

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1100,1000")  # the background-networking flags keep it off the closed network
JOB_TIMEOUT_S = 240  # model load + count of a 6 s clip on a busy 2-core machine takes ~15 s

selenium = pytest.importorskip("selenium", reason="selenium is not installed (pip install -r requirements-dev.txt)")
if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip("no Chromium here: install Debian's chromium and chromium-driver (.ci/run does as root)",
                allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


def free_port() -> int:
    """Return a TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Start `python -m motionlab serve` on a free loopback port with its data under a temporary folder; yield
    (base URL, data folder)."""
    data = tmp_path_factory.mktemp("web_data")
    port = free_port()
    log = open(data / "server.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "motionlab", "serve", "--port", str(port)],
                               env={**os.environ, "MOTIONLAB_DATA": str(data)}, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                assert json.load(answer)["status"] == "ok"
            break
        except OSError:
            if process.poll() is not None or time.time() > deadline:
                log.close()
                raise AssertionError(f"serve did not start: {(data / 'server.log').read_text()[-2000:]}")
            time.sleep(0.3)
    yield url, data
    process.terminate()
    process.wait(timeout=30)
    log.close()


@pytest.fixture(scope="module")
def browser():
    """Yield a headless Chromium driven by chromedriver, with a fresh profile."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="motionlab-chromium-")
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def run_on_page(driver, url: str, task: str, video: Path, **choices: str) -> None:
    """Open the page, pick the task and its options' choices, choose the file, press Run and wait until a result
    or an error shows."""
    driver.get(url)
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, f"#task option[value='{task}']"))
    Select(driver.find_element(By.ID, "task")).select_by_value(task)
    for name, value in choices.items():
        Select(driver.find_element(By.ID, f"option-{name}")).select_by_value(value)
    driver.find_element(By.ID, "file").send_keys(str(video))
    driver.find_element(By.ID, "submit").click()
    WebDriverWait(driver, JOB_TIMEOUT_S).until(
        lambda d: d.find_element(By.ID, "result").is_displayed() or d.find_element(By.ID, "error").is_displayed())


SCREENSHOT_DIR = (IMAGES_DIR if os.environ.get("MOTIONLAB_SCREENSHOTS") == "1"  # refresh the README's pictures
                  else Path(tempfile.gettempdir()) / "motionlab_screenshots")  # a test run leaves the repository alone


def screenshot(driver, name: str) -> None:
    """Save the whole page, below the window's bottom too, as SCREENSHOT_DIR/NAME.png (Chromium's DevTools
    screenshot)."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": {
        "x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
    with atomic_output(SCREENSHOT_DIR / f"{name}.png") as partial:
        partial.write_bytes(base64.b64decode(shot["data"]))


@pytest.fixture(scope="module")
def jump_clip(tmp_path_factory):
    """A 6 s synthetic jump-rope clip, 640x360 at 25 frames/s."""
    from motionlab.synth.jumprope import JumpropeRenderer
    from motionlab.video import write_video

    renderer = JumpropeRenderer(7, framing="landscape", fps=25.0, duration_s=6.0)
    video = tmp_path_factory.mktemp("browser_clip") / "jump_rope.mp4"
    write_video(video, renderer.frames(), renderer.fps)
    return video


def test_page_counts_the_same_jumps_as_the_command_line(server, browser, jump_clip):
    video = jump_clip
    command = subprocess.run([sys.executable, "-m", "motionlab", "count", str(video), "--json", "--quiet"],
                             capture_output=True, text=True, check=True)
    expected = json.loads(command.stdout)["count"]
    run_on_page(browser, server[0], "count", video, saliency="yes")
    assert not browser.find_element(By.ID, "error").is_displayed(), browser.find_element(By.ID, "error").text
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(  # the occlusion map, drawn by jumps.explain
        "const image = document.getElementById('saliency-image'); return image.complete && image.naturalWidth > 0"))
    shown = browser.find_element(By.ID, "count")
    assert shown.get_attribute("data-count") == str(expected) and shown.text == f"{expected} jumps"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#result-body svg .tick")) == expected
    assert browser.find_element(By.LINK_TEXT, "download frames.json").get_attribute("href")
    screenshot(browser, "web_count")


def test_page_shows_the_error_for_a_text_file(server, browser, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("this is not a video\n")
    run_on_page(browser, server[0], "count", text)
    error = browser.find_element(By.ID, "error")
    assert error.is_displayed() and not browser.find_element(By.ID, "result").is_displayed()
    assert error.text == "notes.txt: OpenCV cannot open it as a video (corrupt, or not a video file)"
    screenshot(browser, "web_error")


def test_page_plots_a_speed_trace(server, browser, render_drive):
    speeds = np.concatenate([np.linspace(4, 14, 60), np.full(40, 14.0)])
    video, _ = render_drive(speeds, seed=3, name="web_browser_drive")
    run_on_page(browser, server[0], "speed", video)
    assert not browser.find_element(By.ID, "error").is_displayed(), browser.find_element(By.ID, "error").text
    assert browser.find_elements(By.CSS_SELECTOR, "#result-body svg polyline.line")
    assert browser.find_element(By.LINK_TEXT, "download speeds.txt").get_attribute("href")
    screenshot(browser, "web_speed")
    uploads = [path for path in (server[1] / "uploads").rglob("*") if path.is_file()]
    assert uploads and all(path.parent.parent == server[1] / "uploads" for path in uploads)  # nothing else written


@pytest.mark.parametrize("task", ["classify", "predict-next"])
def test_page_shows_class_bars_and_plays_the_prediction(server, browser, jump_clip, task):
    from motionlab.web.tasks import TASKS

    reason = TASKS[task].unavailable()
    if reason:
        pytest.skip(f"the {task} task is unavailable here: {reason}")
    run_on_page(browser, server[0], task, jump_clip)
    assert not browser.find_element(By.ID, "error").is_displayed(), browser.find_element(By.ID, "error").text
    if task == "classify":
        assert browser.find_elements(By.CSS_SELECTOR, "#result-body svg rect.bar")
    else:  # Chromium decodes the side-by-side video (VP8 WebM) and shows a frame
        WebDriverWait(browser, 30).until(lambda d: d.execute_script(
            "const v = document.getElementById('prediction-video'); return v.readyState >= 2 && v.videoWidth > 0"))
    screenshot(browser, f"web_{task.replace('-', '_')}")
