"""Demo content loaded by ``flask hearth demo``.

Fictional company: Lumen Labs, maker of Lumen smart home lighting (bulbs, hub, app, API).
Data only (one comprehension turns the Product Help history's rows into topics).
"""

from __future__ import annotations

DEMO_PASSWORD = "hearth-demo-2026"  # noqa: S105 - printed by the CLI for the demo logins

# (username, display_name, email, role, is_employee, note)
DEMO_USERS: list[tuple[str, str, str, str, bool, str]] = [
    ("ada", "Ada Okafor", "ada@lumenlabs.example", "admin", True, "Community Lead at Lumen Labs"),
    (
        "marco",
        "Marco Bianchi",
        "marco.bianchi@example.net",
        "moderator",
        False,
        "Volunteer moderator; Lumen owner since the first-generation hub",
    ),
    (
        "priya",
        "Priya Raman",
        "priya@lumenlabs.example",
        "member",
        True,
        "Support Engineer at Lumen Labs",
    ),
    (
        "tom",
        "Tom Lindqvist",
        "tom@lumenlabs.example",
        "member",
        True,
        "Product Manager at Lumen Labs (hub and app)",
    ),
    (
        "jules",
        "Jules Moreau",
        "jules.moreau@example.org",
        "member",
        False,
        "Customer; Customer Council member",
    ),
    (
        "sam",
        "Sam Whitaker",
        "sam.whitaker@example.net",
        "member",
        False,
        "Customer; runs Lumen alongside Home Assistant",
    ),
    (
        "nina",
        "Nina Kowalski",
        "nina.kowalski@example.org",
        "member",
        False,
        "Customer; Customer Council member",
    ),
    (
        "olu",
        "Olu Adeyemi",
        "olu@brightwire.example",
        "member",
        False,
        "Installer at Brightwire Installations, a certified Lumen partner",
    ),
]

# (slug, name, visibility, description, is_listed)
DEMO_SPACES: list[tuple[str, str, str, str, bool]] = [
    (
        "welcome",
        "Welcome",
        "public",
        "Start here: introduce yourself and read the community guidelines.",
        True,
    ),
    (
        "product-help",
        "Product Help",
        "public",
        "Questions and answers about Lumen bulbs, the hub, the app and the API.",
        True,
    ),
    (
        "partner-network",
        "Partner Network",
        "closed",
        "For certified Lumen installers and integrators: provisioning, certification, field notes.",
        True,
    ),
    (
        "customer-council",
        "Customer Council",
        "closed",
        "Invited customers helping shape the Lumen roadmap. Discussions here are confidential.",
        True,
    ),
    ("staff-room", "Staff Room", "employee", "Internal discussion for Lumen Labs staff.", True),
    (
        "ideas",
        "Ideas",
        "public",
        "Suggest what Lumen should build next, vote for what you want most, and see what we "
        "decided and why.",
        True,
    ),
]

# Spaces that hold ideas: (slug, board mode, vote budget or None).
DEMO_IDEA_BOARDS: list[tuple[str, str, int | None]] = [
    ("ideas", "only", 10),
    ("customer-council", "alongside", None),
]

# (space_slug, username, membership_role)
DEMO_MEMBERSHIPS: list[tuple[str, str, str]] = [
    ("welcome", "marco", "moderator"),
    ("product-help", "marco", "moderator"),
    ("partner-network", "priya", "moderator"),
    ("partner-network", "olu", "member"),
    ("customer-council", "tom", "moderator"),
    ("customer-council", "ada", "member"),
    ("customer-council", "jules", "member"),
    ("customer-council", "nina", "member"),
]

# Groups: (name, description, accepts requests, owners, members, spaces it opens).
DEMO_GROUPS: list[tuple[str, str, bool, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = [
    (
        "Partners",
        "Certified Lumen installers and integrators.",
        False,
        ("priya",),
        ("olu",),
        ("partner-network",),
    ),
    (
        "Customers",
        "Lumen owners who help shape the product. Ask to join; the product team answers.",
        True,
        ("tom",),
        ("jules", "nina"),
        ("customer-council",),
    ),
]
# A pending request to join a group: (group, username, message).
DEMO_GROUP_REQUESTS: list[tuple[str, str, str]] = [
    ("Customers", "sam", "Three flats on Lumen and Home Assistant; happy to test betas."),
]

# Where newcomers introduce themselves, and the guidelines they are asked to read.
DEMO_WELCOME_SPACE = "welcome"
DEMO_GUIDELINES = """\
Welcome to the Lumen community! This is where Lumen owners, installers and the Lumen Labs
team help each other out. A few ground rules keep it useful for everyone:

1. **Be kind.** Everyone was new to smart lighting once.
2. **Search before posting.** Many questions already have an answer in Product Help.
3. **One problem per topic**, with your hub firmware and app version in the first post.
4. **No personal data.** Never post your hub serial, API tokens or home address.
5. **No selling.** Partners are welcome to help, but please don't pitch in public spaces.

Moderators may edit titles, move topics or close threads that go off the rails. For account
or billing issues, contact support instead of posting here.
"""

# Watch levels members chose: (space, username, level).
DEMO_SPACE_WATCHES: list[tuple[str, str, str]] = [
    ("product-help", "priya", "watching"),
    ("product-help", "sam", "tracking"),
    ("customer-council", "jules", "tracking"),
]

DEMO_TOPICS: list[dict] = [
    # ------------------------------------------------------------------ welcome
    {
        "space": "welcome",
        "author": "ada",
        "title": "Community guidelines",
        "pinned": True,
        "locked": True,
        "body": """Welcome to the Lumen community! This is where Lumen owners, installers and the
Lumen Labs team help each other out. A few ground rules keep it useful for everyone:

1. **Be kind.** Everyone was new to smart lighting once.
2. **Search before posting.** Many questions already have an answer in Product Help.
3. **One problem per topic**, with your hub firmware version and app version in the first post.
4. **No personal data.** Never post your hub serial, API tokens or home address.
5. **No selling.** Partners are welcome to help, but please don't pitch in public spaces.

Moderators (like Marco) may edit titles, move topics or close threads that go off the rails.
For account or billing issues, contact support via https://example.com/lumen/support instead.""",
        "replies": [],
    },
    {
        "space": "welcome",
        "author": "ada",
        "title": "Introduce yourself!",
        "pinned": True,
        "body": """New here? Tell us who you are, where you're lighting things up, and what
you'd like to get out of the community. I'll start: I'm Ada, I run the community at
Lumen Labs, and my flat has exactly one Lumen bulb that I use to test everything before
it ships.""",
        "replies": [
            (
                "jules",
                "Jules from Lyon. 14 bulbs, one hub, one very old building with "
                "questionable wiring. Mostly here to learn automations.",
            ),
            (
                "sam",
                "Sam, software developer in Leeds. I run Lumen next to Home Assistant "
                "and I'll probably be the one asking API questions.",
            ),
            (
                "nina",
                "Hi all! Nina, Gdansk. I bought the starter kit for the kids' rooms and "
                "now the whole house is Lumen. Send help (and scene ideas).",
            ),
            (
                "olu",
                "Olu from Brightwire Installations. We fit Lumen in new-build flats and "
                "the occasional listed building. Happy to answer wiring questions.",
            ),
            (
                "marco",
                "Welcome everyone! I'm one of the volunteer moderators. If you ever "
                "can't find something, ping me with `@marco`.",
            ),
        ],
    },
    {
        "space": "welcome",
        "author": "marco",
        "title": "How to get a fast answer in Product Help",
        "body": """Most questions get answered within a day if the first post includes:

- **Hub firmware** (Settings > Hub > About, e.g. `4.2.1`)
- **App version** and phone OS
- **Bulb model** (printed on the base: `LB-A19-C`, `LB-GU10-W`...)
- What you expected, what happened, and what you already tried

Screenshots help. Photos of your router closet, surprisingly, also help.""",
        "replies": [
            (
                "priya",
                "Thanks Marco, this is exactly what we ask for on the support desk too. "
                "If your hub LED is blinking, say **which colour** and how fast.",
            ),
        ],
    },
    {
        "space": "welcome",
        "author": "jules",
        "title": "Hello from a 1920s flat in Lyon",
        "body": """Bonjour! I moved into an old apartment with no neutral wires in half the switch
boxes, which is how I ended up with smart bulbs instead of smart switches. So far: the
living room and hallway are done. Next project is the stairwell, which has one bulb and
four switches. Any tips for keeping the physical switches useful?""",
        "replies": [
            (
                "marco",
                "Welcome Jules! Look at the battery-powered Lumen Dial. You can stick it "
                "over the old switch and leave the circuit always on.",
            ),
            (
                "tom",
                "Old buildings are our favourite stress test. Tape over the switch (or use "
                "a switch guard) so nobody cuts power to the bulb; the bulb then stays "
                "reachable and the Dial does the rest.",
            ),
            ("jules", "Ordered a Dial. My neighbours already think I'm strange, this won't help."),
        ],
    },
    {
        "space": "welcome",
        "author": "sam",
        "title": "What did you light up this weekend?",
        "body": """Show-and-tell thread. I finally put the `LB-STRIP` under the kitchen cabinets
and tied it to the kettle's smart plug: when the kettle switches on, the strip goes warm
white at 40%. Completely unnecessary, deeply satisfying.""",
        "replies": [
            (
                "nina",
                "Glow-in-the-dark bedtime: kids' room fades from 2700K to deep orange over "
                "20 minutes. Bedtime arguments down roughly 50%.",
            ),
            (
                "olu",
                "Did a show home last week: every room on a *Welcome* scene triggered by "
                "the front door sensor. Estate agents loved it.",
            ),
            (
                "marco",
                "Porch light that turns red when the bin goes out tomorrow. My partner "
                "calls it the bin lighthouse.",
            ),
        ],
    },
    # ------------------------------------------------------------- product-help
    {
        "space": "product-help",
        "author": "priya",
        "title": "[Resolved] Hub offline after firmware 4.2.0 - update to 4.2.1",
        "pinned": True,
        "body": """Some hubs lost their cloud connection after updating to firmware **4.2.0**.
The hub LED blinks amber and the app shows *Hub offline*, although local switches and schedules keep
working. Firmware **4.2.1** fixes it.

**If your hub is still offline:**

1. Unplug the hub for 10 seconds and plug it back in.
2. Wait up to 15 minutes; it will fetch 4.2.1 automatically once it reconnects.
3. If the LED is still amber, hold the button for 3 seconds (*not* 10, that's a reset).

Still stuck? Reply here with your firmware version and LED colour, or see
https://example.com/lumen/status for live status. Sorry for the disruption.""",
        "replies": [
            ("sam", "Power cycle plus a 10-minute wait did it. Hub now reports `4.2.1`."),
            ("nina", "Mine needed the 3-second button press too, then it came back. Thanks!"),
        ],
    },
    {
        "space": "product-help",
        "author": "sam",
        "title": "Hub LED blinking amber since last night's update",
        "body": """Woke up to the hub blinking amber and the app saying offline. Router is fine,
everything else on the network works. Schedules still ran this morning, oddly. Firmware
shows `4.2.0`. Is this me or is this everyone?""",
        "replies": [
            (
                "marco",
                "Not just you, there are a few reports this morning. Don't factory reset "
                "yet, you'd lose your scenes for nothing.",
            ),
            (
                "priya",
                "Thanks for the report Sam. We've confirmed an issue with 4.2.0 and are "
                "rolling out a fix now. Follow the pinned topic for steps and updates.",
            ),
            ("sam", "Back online after the power cycle. Appreciate the quick answer."),
        ],
    },
    {
        "space": "product-help",
        "author": "nina",
        "title": "Zigbee pairing: third-party bulb won't join the hub",
        "body": """I'm trying to add an older IKEA Tradfri bulb to the Lumen hub. I put the hub in
pairing mode, reset the bulb with the six on/off flicks, and... nothing. Lumen bulbs pair
instantly. Is third-party Zigbee supported at all?""",
        "replies": [
            (
                "marco",
                "It is, but the bulb has to be close to the hub for pairing, under 1 m. "
                "Once paired you can move it back.",
            ),
            (
                "priya",
                """Yes, most Zigbee 3.0 bulbs work. Two things to check:

- In the app, use **Add device > Other Zigbee device**, not *Add Lumen bulb*. The Lumen flow
  filters by our manufacturer code.
- Older Tradfri firmware uses Zigbee Light Link. Update the bulb with the IKEA app first,
  or reset it while the hub is already listening.

The compatibility list is at https://example.com/lumen/zigbee-compatibility.""",
            ),
            ("nina", "It was the *Other Zigbee device* option. Paired in two seconds. Thank you!"),
        ],
    },
    {
        "space": "product-help",
        "author": "jules",
        "title": "HomeKit shows 'No Response' for some bulbs",
        "body": """Lumen app controls all 14 bulbs fine, but in Apple Home four of them show *No
Response*. It's always the same four (hallway and stairwell). I'm on hub `4.2.1`, iOS 18.""",
        "replies": [
            (
                "priya",
                """HomeKit talks to the hub, not to bulbs directly, so when the Lumen app
works it's usually a stale HomeKit cache. Try this order:

1. In the Lumen app: **Settings > Integrations > HomeKit > Resync accessories**.
2. Restart your Home hub (Apple TV or HomePod), not just the phone.
3. If those four bulbs were added *after* pairing the bridge, check they're assigned to a
   room in the Lumen app. Unassigned bulbs don't get exported.""",
            ),
            # A third item quotes an earlier post by its number.
            ("jules", "Step 3. They were in a room I deleted, so they were floating. Fixed.", 2),
            ("marco", "Classic. I'll add this to the FAQ. Thanks @priya for the steps."),
        ],
    },
    {
        "space": "product-help",
        "author": "sam",
        "title": "Sunrise schedule fires an hour late after the clocks changed",
        "body": """Since the DST switch, my *Wake up* schedule (sunrise minus 20 minutes) runs an
hour late. Fixed-time schedules are fine. Hub timezone is set to Europe/London.""",
        "replies": [
            (
                "tom",
                """Thanks Sam, reproduced. Sun-relative schedules cache the next trigger time
and don't recompute when the offset changes. Workaround until the fix ships in 4.3:

- Open the schedule, change any field, change it back, and **Save**. That forces a recompute.

Sorry about the early-morning darkness.""",
            ),
            ("sam", "Workaround confirmed. Glad it's not just my config."),
        ],
    },
    {
        "space": "product-help",
        "author": "olu",
        "title": "429 Too Many Requests from the Lumen API when polling state",
        "body": """We have a dashboard for a client that polls bulb state every 2 seconds across
three homes. Since Monday we get intermittent 429s:

```
HTTP/1.1 429 Too Many Requests
X-RateLimit-Limit: 120
X-RateLimit-Remaining: 0
Retry-After: 17
```

Were limits changed? What's the recommended way to keep a live view?""",
        "replies": [
            (
                "priya",
                """The limit is **120 requests per minute per token**, and it's now enforced
per token rather than per account, which is why you started seeing it. Polling three homes
every 2 s is ~90 req/min before any commands, so bursts tip you over.

The better option is the event stream, which pushes state changes:

```python
import json, requests

url = "https://api.lumen.example/v2/events"
headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "text/event-stream"}
with requests.get(url, headers=headers, stream=True, timeout=90) as resp:
    for line in resp.iter_lines():
        if line.startswith(b"data: "):
            handle(json.loads(line[6:]))
```

If you must poll, honour `Retry-After` and use one token per home. Docs:
https://example.com/lumen/api/rate-limits""",
            ),
            (
                "olu",
                "Switched to the event stream, zero 429s since, and the dashboard is faster. "
                "Maybe put that example in the docs front page?",
            ),
            ("priya", "Good idea @olu, I've passed it to the docs team."),
        ],
    },
    {
        "space": "product-help",
        "author": "nina",
        "title": "Does Lumen work without the internet?",
        "body": """Our internet went down for a day and I was surprised some things still worked.
What exactly keeps working locally, and what needs the cloud?""",
        "replies": [
            (
                "tom",
                """Good question. Locally, without internet:

- Physical Dials and switches, schedules and automations stored on the hub
- HomeKit and Matter control on your home network
- The app, **if** your phone is on the same Wi-Fi

Cloud-only: remote access away from home, voice assistants, and firmware updates.""",
            ),
            ("marco", "The local API is also on the roadmap. Vote on it in the ideas thread!"),
        ],
    },
    {
        "space": "product-help",
        "author": "jules",
        "title": "Bulbs flicker when dimmed below 10%",
        "body": """My `LB-GU10-W` spots flicker slightly below 10% brightness. Above that they're
perfect. Is this normal, or a faulty batch?""",
        "replies": [
            (
                "priya",
                "Is the circuit on an old wall dimmer? Lumen bulbs need full mains power; "
                "a dimmer set even slightly down causes exactly this. If it's a plain "
                "switch, set **Minimum brightness** to 5% under the bulb's settings.",
            ),
            ("jules", "There was an ancient dimmer behind a cupboard. Who does that. Fixed."),
        ],
    },
    {
        "space": "product-help",
        "author": "sam",
        "title": "Moving house: how do I take my hub with me?",
        "body": """Moving next month. I'm taking the hub and most bulbs, leaving two in the old
place for the new owners. What's the cleanest way to do this without losing my scenes?""",
        "replies": [
            (
                "priya",
                """Easy one:

1. In the app, remove the two bulbs you're leaving (**Bulb > Remove**), then reset them.
2. Unplug the hub at the old house. Your scenes live in your account, not just the hub.
3. At the new place, plug in the hub and update the Wi-Fi in **Settings > Hub > Network**.
4. Update the hub's location so sunrise/sunset schedules use the right coordinates.

The new owners can then add the two bulbs to their own account.""",
            ),
        ],
    },
    {
        "space": "product-help",
        "author": "nina",
        "title": "Groups vs Rooms: what's the difference?",
        "body": "Both seem to let me switch several bulbs at once. When should I use which?",
        "replies": [
            (
                "marco",
                "A bulb belongs to exactly one **Room** (that's what HomeKit and voice "
                "assistants see). **Groups** are free-form and can overlap, e.g. "
                "*Downstairs* or *Christmas lights*.",
            ),
            (
                "tom",
                "Marco's right. We know the naming is confusing; the next app release "
                "renames Groups to **Zones** with a short explainer.",
            ),
        ],
    },
    {
        "space": "product-help",
        "author": "jules",
        "title": "Idea: vacation mode that randomises lights",
        "body": """When we're away I'd like the lights to look lived-in: random rooms on in the
evening, off at slightly different times each night. Currently I fake it with four
schedules. Anyone else want this?""",
        "replies": [
            (
                "sam",
                "Yes please. My fake version is a cron job hitting the API, which is not "
                "something I can recommend to my parents.",
            ),
            (
                "tom",
                "This comes up a lot, so it's on our list for later this year. It'll "
                "mimic your actual usage from the past two weeks rather than pure random.",
            ),
            ("marco", "Tagging as a feature request. Add your +1 here rather than new topics."),
        ],
    },
    {
        "space": "product-help",
        "author": "marco",
        "title": "How-to: factory reset the hub (and when not to)",
        "body": """A factory reset is the last resort, not the first. It wipes scenes, schedules and
bulb pairings stored on the hub. Before doing it, try:

- a power cycle (unplug 10 s)
- the 3-second button press (reconnects to cloud)

If you really need it: hold the button for **10 seconds** until the LED flashes white, then
re-add the hub in the app. Bulbs will need re-pairing.""",
        "replies": [
            ("nina", "Wish I'd read this before resetting mine in a panic last winter."),
        ],
    },
    # ---------------------------------------------------------- partner-network
    {
        "space": "partner-network",
        "author": "priya",
        "title": "Welcome to the Partner Network - read first",
        "pinned": True,
        "body": """This space is for certified Lumen installers and integrators. I'm your contact
on the support side; escalations from partners skip the public queue. Useful links:

- Partner portal and certificates: https://example.com/lumen/partners
- Provisioning API docs: https://example.com/lumen/api/partner

Please keep customer names and addresses out of posts. Use job IDs.""",
        "replies": [
            (
                "olu",
                "Thanks Priya. Good to have a direct line; the public queue was a "
                "struggle on install days.",
            ),
        ],
    },
    {
        "space": "partner-network",
        "author": "olu",
        "title": "Bulk provisioning API: claiming 40 hubs for a new-build block",
        "body": """We're fitting out a 40-flat building. Claiming each hub by scanning QR codes in
the app took us a full day on the last job. The docs mention batch provisioning but I only
see single claims working:

```
POST /v2/partner/hubs/claim
{"serial": "LH2-0041-88F2", "site_id": "job-2291-f12"}
```

Is there a batch endpoint, and can hubs be pre-assigned to sites before they're powered?""",
        "replies": [
            (
                "priya",
                """Yes, batches are supported since March. Upload a manifest:

```
POST /v2/partner/provisioning/batches
Content-Type: text/csv

serial,site_id,room_template
LH2-0041-88F2,job-2291-f01,flat-2bed
LH2-0041-88F3,job-2291-f02,flat-2bed
```

Hubs are pre-claimed and pick up their site and room template on first boot. The response
gives a `batch_id`; poll `GET /v2/partner/provisioning/batches/{batch_id}` for status.
Batch size is capped at 200 serials.""",
            ),
            ("olu", "That's exactly what I needed. Can a room template include scenes too?"),
            (
                "priya",
                "Rooms and default scenes, yes. Schedules no, because they depend on the "
                "resident's preferences. Handover transfers the site to the resident.",
            ),
            (
                "ada",
                "Olu, would you be up for writing a short case study once this job is "
                "done? Other partners would benefit.",
            ),
            ("olu", "Happy to. Handover is in May."),
        ],
    },
    {
        "space": "partner-network",
        "author": "priya",
        "title": "Install certification 2026: what changed",
        "body": """The 2026 certification is live. Main changes versus last year:

- The **Level 2** practical now includes a Matter commissioning task.
- Certificates are valid for **24 months** (was 12).
- Existing Level 2 partners only need the online module on Matter and the batch API.

Book assessments through the partner portal. Slots in April are filling up quickly.""",
        "replies": [
            (
                "olu",
                "Two of our techs did the module this week. The Matter section was fair, "
                "though the batch API quiz referenced a field that's not in the docs "
                "(`room_template_version`).",
            ),
            (
                "priya",
                "Good catch. That field was dropped before release; I've asked for the "
                "question to be fixed and nobody will be marked down for it.",
            ),
            (
                "ada",
                "Thanks both. I'll make sure the partner newsletter mentions the 24-month "
                "validity, that's been a frequent question.",
            ),
        ],
    },
    {
        "space": "partner-network",
        "author": "olu",
        "title": "Commissioning report template for homeowner handover",
        "body": """We leave homeowners a one-page commissioning report: hub serial, firmware, room
list, scenes configured, and which switches were bypassed. Does Lumen have an official
template? Customers sometimes show our report to support and get asked to re-explain
everything.""",
        "replies": [
            (
                "priya",
                "No official template yet, but if the report includes the site ID, "
                "support can pull the full config. I'll share a draft template next week "
                "for feedback before it goes into the portal.",
            ),
        ],
    },
    {
        "space": "partner-network",
        "author": "priya",
        "title": "Heads-up: 4.2.1 rollout for partner-managed fleets",
        "body": """Partner-managed sites with automatic updates disabled are still on **4.2.0**, and
some of those hubs can't reach the cloud. Please push **4.2.1** from the partner portal
(*Fleet > Firmware > Push*) or ask me to do it for you. It's safe to push during the day;
lights stay on during the update.""",
        "replies": [
            ("olu", "Pushed to all 63 of our managed hubs. Two needed a power cycle on site."),
            ("priya", "Thanks @olu. Send me those two serials and I'll check the logs."),
        ],
    },
    # --------------------------------------------------------- customer-council
    {
        "space": "customer-council",
        "author": "tom",
        "title": "Welcome to the Customer Council - please read",
        "pinned": True,
        "body": """Thank you for joining! You'll see early designs, pricing ideas and roadmap
drafts here. **Please keep everything in this space confidential**: no screenshots, no
posts elsewhere. Plans change, and half-finished ideas shouldn't reach the wider community
as promises. We'll meet by video once a quarter and I'll post notes here.""",
        "replies": [
            ("jules", "Understood. Excited to be here."),
            ("nina", "Happy to help. I'll try to bring the 'non-technical household' view."),
        ],
    },
    {
        "space": "customer-council",
        "author": "tom",
        "title": "Circadian mode: early designs, we'd like your take",
        "body": """**Circadian mode** adjusts colour temperature and brightness through the day to
follow natural light: cool white around midday, warm and dim in the evening. Current plan:

- Range **2700K to 5000K**, following sunrise/sunset at the hub's location
- Per-room opt-in, with a "bedtime" anchor that overrides sunset
- Manual changes pause circadian mode in that room until the next morning

Questions for you: would you use it everywhere or just some rooms? And is pausing until
morning right, or should it resume after an hour?""",
        "replies": [
            (
                "nina",
                "Kids' rooms and living room, definitely. Not the kitchen, I need bright "
                "white to cook at 8 pm. Pausing until morning feels right.",
            ),
            (
                "jules",
                "I'd want 2200K at the warm end. 2700K still feels like an office at "
                "11 pm. Also: please let the Dial override it without a menu.",
            ),
            (
                "tom",
                "Both very useful. The bulbs can physically go to 2200K, so that's doable. "
                "Dial override is planned: a double-press returns to circadian.",
            ),
            (
                "ada",
                "Noting for the call: a couple of council members asked whether it "
                "works with third-party bulbs. Tom, worth covering?",
            ),
            (
                "tom",
                "Yes. Short answer: Zigbee bulbs with colour temperature support will "
                "follow the curve, but we can't guarantee the range.",
            ),
        ],
    },
    {
        "space": "customer-council",
        "author": "tom",
        "title": "Pricing feedback: a possible 'Lumen Plus' subscription",
        "body": """We're exploring an optional subscription, working name **Lumen Plus**, around
4 EUR/month. It would include 12-month usage history, vacation mode, and advanced
automations with conditions. Everything that works today stays free. Honest reactions,
please, including "don't do this".""",
        "replies": [
            (
                "nina",
                "Honestly: subscriptions for lights make me nervous. If vacation mode is "
                "paid, it feels like a feature held back. Usage history I wouldn't pay for.",
            ),
            (
                "jules",
                "I'd pay for advanced automations, but as a one-off unlock rather than "
                "monthly. And please promise in writing that local control never "
                "moves behind a paywall.",
            ),
            (
                "ada",
                "This matches what we see in public threads: people trust us because "
                "things keep working without an account upgrade.",
            ),
            (
                "tom",
                "Thank you, this is the feedback we needed. We'll look at a one-off "
                "option and keep vacation mode free. I'll report back after review.",
            ),
        ],
    },
    {
        "space": "customer-council",
        "author": "ada",
        "title": "Notes from the March council call",
        "body": """Thanks to everyone who joined. Summary:

- **Circadian mode**: warm end extended to 2200K; Dial double-press resumes the curve.
- **Pricing**: strong preference for one-off unlocks; no paid tier for existing features.
- **App**: Groups will be renamed to Zones.

Next call is in June. Tom will share a clickable Circadian prototype beforehand.""",
        "replies": [
            ("nina", "Great summary. Looking forward to trying the prototype with the kids."),
        ],
    },
    # --------------------------------------------------------------- staff-room
    {
        "space": "staff-room",
        "author": "priya",
        "title": "Support escalation rota - Q2",
        "pinned": True,
        "body": """Q2 rota for out-of-hours escalations (P1: fleet-wide outages, P2: partner sites
down). Weeks start Monday 09:00 CET.

- Weeks 14-16: Priya (primary), Tom (backup)
- Weeks 17-19: Tom (primary), Priya (backup)
- Weeks 20-22: Priya (primary), Ada (backup, comms only)
- Weeks 23-26: Tom (primary), Priya (backup)

Pager goes to the primary; backup is paged after **15 minutes** without ack. Swaps are fine,
just update the calendar and post here.""",
        "replies": [
            ("tom", "Can I swap week 18 with your week 20? I'm at the Matter plugfest."),
            ("priya", "Done @tom, calendar updated."),
            (
                "ada",
                "Reminder that I'm backup for comms only. If it's technical, page "
                "engineering on-call, not me.",
            ),
        ],
    },
    {
        "space": "staff-room",
        "author": "tom",
        "title": "Post-mortem: firmware 4.2.0 hub disconnects (INTERNAL)",
        "body": """**Internal only. Do not quote in public spaces or to partners.**

**Impact:** ~18,400 hubs (about 9% of the fleet) lost cloud connectivity for up to 31 hours.
Local control was unaffected.

**Root cause:** 4.2.0 shipped a trimmed CA bundle missing the new intermediate used by
`mqtt.lumen.example` after last month's certificate rotation. Staging still used the old
chain, so tests passed. The canary stage was skipped because `rollout.canary_pct` was left
at `100` in the release config from a hotfix in January.

```
tls: verify failed: unable to get local issuer certificate (depth=1)
mqtt: reconnect backoff=900s attempts=12
```

**Actions:**

1. Release checklist: CA bundle diff against production endpoints (owner: firmware)
2. Canary percentage enforced in CI, max 5% for stage one (owner: release eng)
3. Staging to mirror production certificate chains (owner: infra)""",
        "replies": [
            (
                "priya",
                "Support side: 1,240 tickets in 36 hours, median first response 3h 10m. "
                "The pinned community post deflected a lot; ticket volume halved after "
                "it went up.",
            ),
            (
                "ada",
                "Good write-up. One more action: we need a status page update within "
                "30 minutes of a P1 being declared. We were 4 hours late on this one.",
            ),
            ("tom", "Added as action 4, owner: Ada and support."),
        ],
    },
    {
        "space": "staff-room",
        "author": "ada",
        "title": "Comms check: what we say publicly about 4.2",
        "body": """For anyone answering in Product Help or the Partner Network: the public line is
*"a bug in 4.2.0 affected how some hubs connect to our cloud; 4.2.1 fixes it"*. Please don't
mention the CA bundle, the canary config, or fleet numbers. Link the pinned post and the
status page instead. If someone asks for a detailed root cause, send them to me.""",
        "replies": [
            (
                "priya",
                "Got it. A partner asked for the affected-hub count this morning; I "
                "said we'd share a summary in the partner newsletter. OK?",
            ),
            ("ada", "Yes, I'll draft that summary with Tom. High-level only."),
            ("tom", "Agreed. I'll review it before it goes out."),
        ],
    },
    {
        "space": "staff-room",
        "author": "tom",
        "title": "Circadian mode: council feedback for roadmap review",
        "body": """Summary for Thursday's roadmap review, from the Customer Council and public
threads:

- Extend warm end to **2200K** (hardware supports it, small firmware change)
- Dial double-press to resume: in scope for v1
- Third-party bulbs: follow curve, best effort, documented as such
- Strong pushback on paywalling anything that exists today; one-off unlock preferred

Proposal: ship Circadian mode free in 4.4, revisit Lumen Plus pricing after Q3.""",
        "replies": [
            (
                "ada",
                "Supportive. The council was unusually united on pricing; worth quoting "
                "them (anonymised) in the review deck.",
            ),
            (
                "priya",
                "From support: please add a visible 'circadian paused' state in the app. "
                "Otherwise we'll get 'my bulbs changed colour by themselves' tickets.",
            ),
            ("tom", "Great point, adding it to the v1 scope."),
        ],
    },
]


# Ideas, oldest first. "age" is days ago; each step of "history" is
# (days after posting, staff username, new status, official response or "").
# "merge_into" names the title of the idea this one duplicates.

# Six months of Product Help before the recent weeks: the team answered in about two
# days at first and within hours by the end, and members answer more and more of
# each other's questions (the dashboard's story). "age" is days ago; the first reply
# comes "first_reply_hours" later; "accepted" names whose answer the asker accepted.
DEMO_TAGS: list[str] = ["hub", "app", "api", "bulbs", "automations", "installers"]

# Invite links made to the closed spaces, and who joined through them:
# (space_slug, made_by, days_ago, [usernames who joined]).
DEMO_INVITES: list[tuple[str, str, int, list[str]]] = [
    ("partner-network", "priya", 150, ["olu"]),
    ("customer-council", "tom", 120, ["jules", "nina"]),
]

_HISTORY: list[tuple[int, str, str, str, int, list[tuple[str, str]], str | None]] = [
    # (age, author, tag, title, first_reply_hours, replies, accepted)
    (
        178,
        "jules",
        "hub",
        "Hub will not join my 5 GHz Wi-Fi",
        46,
        [
            ("priya", "The hub speaks 2.4 GHz only: give it its own 2.4 GHz network name."),
            ("jules", "That was it, thank you."),
        ],
        "priya",
    ),
    (
        171,
        "nina",
        "app",
        "App forgets my login every week",
        40,
        [("tom", "Fixed in app 3.8; please update and sign in once more.")],
        None,
    ),
    (
        163,
        "sam",
        "api",
        "API token stops working after a password change",
        38,
        [
            ("priya", "Changing the password revokes tokens by design; make a new one."),
            ("sam", "Makes sense, thanks."),
        ],
        "priya",
    ),
    (
        155,
        "olu",
        "installers",
        "Best practice for hubs in metal cabinets?",
        34,
        [
            ("priya", "Keep the hub outside the cabinet, or add the external antenna kit."),
            ("marco", "The antenna kit works well; I fit it in two plant rooms."),
        ],
        None,
    ),
    (
        146,
        "jules",
        "bulbs",
        "GU10 bulbs hum at low brightness",
        30,
        [
            ("marco", "That is the dimmer on the wall circuit: set it to full and dim in the app."),
            ("tom", "Marco is right; we added a note to the install guide."),
            ("jules", "Dimmer at full, hum gone."),
        ],
        "marco",
    ),
    (
        137,
        "nina",
        "automations",
        "Can a routine wait for sunset plus 30 minutes?",
        27,
        [
            ("priya", "Yes: add an offset to the sunset trigger (Routines, then When)."),
            ("nina", "Found it, thanks."),
        ],
        "priya",
    ),
    (
        128,
        "sam",
        "api",
        "Webhook fires twice for one button press",
        22,
        [
            ("tom", "Each delivery has an id; deduplicate on it. We are fixing the retry."),
            ("sam", "Deduplicating now."),
        ],
        "tom",
    ),
    (
        118,
        "jules",
        "hub",
        "Hub clock is off by an hour",
        18,
        [
            ("olu", "Set the time zone in Settings, then Hub; it defaults to UTC."),
            ("priya", "Olu's answer is the fix."),
            ("jules", "Time zone set, all good."),
        ],
        "olu",
    ),
    (
        108,
        "nina",
        "bulbs",
        "Which bulbs fit a standard bedside lamp?",
        14,
        [
            ("marco", "Any E27 Lumen bulb; the warm white one is best for reading."),
            ("nina", "Ordered two, thanks Marco."),
        ],
        "marco",
    ),
    (
        97,
        "sam",
        "automations",
        "Motion sensor turns lights on in daylight",
        11,
        [
            ("priya", "Add a light-level condition to the motion routine."),
            ("sam", "Works perfectly."),
        ],
        "priya",
    ),
    (
        86,
        "olu",
        "installers",
        "Handing a site over to the homeowner",
        8,
        [
            ("tom", "Use Transfer site in the partner app; the owner accepts by e-mail."),
            ("olu", "Done for the Elm Street block."),
        ],
        "tom",
    ),
    (
        75,
        "jules",
        "app",
        "Widget shows the wrong room",
        6,
        [
            ("sam", "Long-press the widget and pick the room again; it keeps the old id."),
            ("jules", "Sam's trick worked."),
        ],
        "sam",
    ),
    (
        66,
        "nina",
        "hub",
        "Hub reboots every night at 3 a.m.",
        4,
        [
            ("priya", "That is the nightly update window; you can move it in Settings."),
            ("nina", "Moved it to Sunday, thanks."),
        ],
        "priya",
    ),
]

DEMO_TOPICS += [
    {
        "space": "product-help",
        "author": author,
        "age": age,
        "tags": tag,
        "title": title,
        "body": f"{title}. Firmware 4.1, app 3.7. What should I try?",
        "first_reply_hours": first_reply_hours,
        "replies": replies,
        "accepted": accepted,
    }
    for age, author, tag, title, first_reply_hours, replies, accepted in _HISTORY
]

DEMO_IDEAS: list[dict] = [
    {
        "space": "ideas",
        "author": "sam",
        "age": 150,
        "title": "Local API without the cloud",
        "body": "Let the hub answer a documented local HTTP API, so automations keep "
        "working when the internet is down and Home Assistant does not need a cloud token.",
        "voters": ["jules", "nina", "olu", "marco"],
        "history": [
            (
                12,
                "tom",
                "under_review",
                "We hear you. We are checking what the hub's memory allows.",
            ),
            (
                30,
                "tom",
                "planned",
                "Planned for hub firmware 4.0: a read/write local API with per-device tokens.",
            ),
            (75, "priya", "in_progress", ""),
            (
                118,
                "tom",
                "shipped",
                "Shipped in firmware 4.0. Docs are in **Product Help**; "
                "thank you all for the votes.",
            ),
        ],
        "replies": [("nina", "Yes please, my automations died during the last outage.")],
    },
    {
        "space": "ideas",
        "author": "jules",
        "age": 120,
        "title": "Sunrise alarm that slowly brightens the bedroom",
        "body": "A wake-up routine that fades from warm dim light to daylight over 20 minutes.",
        "voters": ["nina", "sam", "marco"],
        "history": [
            (6, "tom", "planned", "Good fit for the routines rework."),
            (40, "tom", "shipped", "Now in the app under Routines → Wake up."),
        ],
        "replies": [],
    },
    {
        "space": "ideas",
        "author": "nina",
        "age": 90,
        "title": "Group bulbs by room in the app",
        "body": "Rooms with one switch for all their bulbs, and a room widget on the phone.",
        "voters": ["jules", "sam", "olu"],
        "history": [
            (3, "priya", "under_review", ""),
            (9, "tom", "in_progress", "Design is done; we are building it now."),
        ],
        "replies": [("olu", "Installers would love this for handovers too.")],
    },
    {
        "space": "ideas",
        "author": "olu",
        "age": 70,
        "title": "Bulk provisioning for installers",
        "body": "Scan a sheet of QR codes and add 40 bulbs to a site in one go.",
        "voters": ["marco"],
        "history": [(2, "tom", "planned", "On the partner roadmap for next quarter.")],
        "replies": [],
    },
    {
        "space": "ideas",
        "author": "marco",
        "age": 45,
        "title": "Show energy use per bulb",
        "body": "A monthly kWh figure per bulb and per room.",
        "voters": ["sam"],
        "history": [
            (
                1,
                "tom",
                "declined",
                "The bulbs cannot measure their own draw precisely "
                "enough; an estimate would mislead. We may revisit with new hardware.",
            ),
        ],
        "replies": [],
    },
    {
        "space": "ideas",
        "author": "sam",
        "age": 20,
        "title": "Dark mode for the app",
        "body": "The white app at night is blinding.",
        "voters": ["jules", "nina", "olu", "marco"],
        "history": [],
        "replies": [("jules", "Please! Especially for the night routine screen.")],
    },
    {
        "space": "ideas",
        "author": "nina",
        "age": 12,
        "title": "A darker theme for night use",
        "body": "Could the app have a black theme?",
        "voters": ["sam"],
        "history": [],
        "merge_into": "Dark mode for the app",
        "replies": [],
    },
    {
        "space": "ideas",
        "author": "jules",
        "age": 4,
        "title": "Vacation mode that imitates our usual evenings",
        "body": "Replay last week's lighting while we are away, so the flat looks lived in.",
        "voters": ["nina"],
        "history": [],
        "replies": [],
    },
    {
        "space": "customer-council",
        "author": "jules",
        "age": 25,
        "title": "Early access ring for council members",
        "body": "Let council members opt in to beta firmware a week before everyone else.",
        "voters": ["nina", "ada"],
        "history": [(5, "tom", "under_review", "Checking with the firmware team.")],
        "replies": [],
    },
    {
        "space": "ideas",
        "author": "sam",
        "age": 170,
        "title": "Scenes I can trigger from the API",
        "body": "Let the API start a saved scene, not just set bulbs one by one.",
        "voters": ["olu", "marco", "jules"],
        "history": [
            (9, "tom", "planned", "Yes: scenes get an endpoint in API v2."),
            (52, "tom", "shipped", "Shipped in API v2: POST /scenes/{id}/activate."),
        ],
        "replies": [],
    },
    {
        "space": "ideas",
        "author": "nina",
        "age": 135,
        "title": "Child lock for the wall switch",
        "body": "A setting so the kids' room switch cannot change scenes.",
        "voters": ["jules", "sam"],
        "history": [
            (5, "priya", "under_review", ""),
            (12, "tom", "planned", "A per-switch lock is coming to the app."),
            (44, "tom", "shipped", "In app 3.9: Switch settings, then Lock."),
        ],
        "replies": [],
    },
    {
        "space": "ideas",
        "author": "olu",
        "age": 60,
        "title": "Installer view of every site's firmware",
        "body": "One page that lists the firmware of every hub I manage.",
        "voters": ["marco", "sam"],
        "history": [
            (2, "tom", "in_progress", "Building it into the partner app now."),
            (26, "tom", "shipped", "Live in the partner app under Sites, then Firmware."),
        ],
        "replies": [],
    },
]

# Profile fields the admin defined: (label, kind, choices, required at sign-up, shown to).
DEMO_PROFILE_FIELDS: list[tuple[str, str, str, bool, str]] = [
    ("Lumen products you use", "choice", "Hub and bulbs\nBulbs only\nHub, bulbs and API", True,
     "everyone"),
    ("Smart home setup", "text", "", False, "members"),
    ("Portfolio", "url", "", False, "everyone"),
]  # fmt: skip

# username -> profile: about me (Markdown), the one-line fields, their visibility, and
# answers to the fields above. Some are kept for staff or the member alone, so
# "view my profile as" has something to show.
DEMO_PROFILES: dict[str, dict] = {
    "ada": {
        "bio": "Community Lead at **Lumen Labs**. Ask me about the roadmap, events and "
        "anything that feels off in here.",
        "fields": {"company": "Lumen Labs", "job_title": "Community Lead", "location": "Lisbon",
                   "website": "https://lumenlabs.example/team/ada"},
        "visibility": {"location": "staff"},
        "answers": {"Lumen products you use": "Hub, bulbs and API"},
    },
    "priya": {
        "bio": "Support engineer. I answer questions about pairing, firmware and the hub's "
        "logs. Attach the hub's **diagnostics code** when you ask!",
        "fields": {"company": "Lumen Labs", "job_title": "Support Engineer",
                   "location": "Pune"},
        "visibility": {"location": "members"},
        "answers": {"Lumen products you use": "Hub and bulbs"},
    },
    "sam": {
        "bio": "Home Assistant tinkerer with three flats full of Lumen bulbs.",
        "fields": {"company": "Whitaker Lettings", "job_title": "Landlord",
                   "location": "Headingley", "website": "https://sam-tinkers.example"},
        "visibility": {"company": "only_me", "location": "staff"},
        "answers": {"Lumen products you use": "Hub, bulbs and API",
                    "Smart home setup": "Home Assistant on a Raspberry Pi, 41 bulbs"},
    },
    "jules": {
        "bio": "Customer Council member. I care about _schedules_ and quiet hubs.",
        "fields": {"location": "Nantes"},
        "visibility": {"location": "only_me", "bio": "members"},
        "answers": {"Lumen products you use": "Bulbs only"},
    },
    "olu": {
        "bio": "Certified Lumen installer at Brightwire Installations.",
        "fields": {"company": "Brightwire Installations", "job_title": "Installer",
                   "website": "https://brightwire.example"},
        "visibility": {},
        "answers": {"Portfolio": "https://brightwire.example/projects",
                    "Smart home setup": "Whatever the client needs"},
    },
}  # fmt: skip
