"""Security, identity, compliance, privacy, physical security and fraud."""

from __future__ import annotations

from dev.world.content.build import P, category, need

NEEDS = (
    need(
        "phishing_incidents",
        "staff keep falling for phishing and payment scams",
        sectors="",
        size=(20, 10_000_000),
        weight=1.0,
        phrases=(
            "staff clicking fake invoice emails",
            "a CEO-fraud wire transfer",
            "stolen mailbox passwords",
        ),
        news=(
            "{name} lost ${amount} after an accounts clerk paid a fake supplier invoice sent from a "
            "look-alike "
            "address.",
            "{name} warns customers about emails impersonating its staff after {n} mailboxes were taken "
            "over.",
        ),
        job=("{name} is hiring an IT Security Officer to run staff awareness sessions and simulated lures.",),
        social=("Someone at {name} replied to a 'CEO' asking for gift cards. Again. Third time this {q}.",),
        review=(
            "{name} sends a scary email after every scam, but nobody explains how to spot the next one.",
        ),
        web=("{name} notice to partners: never change bank details based on an email from our staff.",),
        slots={"amount": ("48,000", "120,000", "310,000", "22,500", "86,000")},
        personas=("CISO", "IT Manager", "Head of Risk"),
    ),
    need(
        "audit_failure",
        "failed or qualified security / compliance audit",
        sectors="52 62 54 51 22 92 61",
        size=(30, 10_000_000),
        weight=0.8,
        phrases=(
            "findings from the last audit",
            "the regulator's remediation deadline",
            "open audit findings",
        ),
        news=(
            "{name} received {n} high-severity findings in its annual ISO 27001 surveillance audit.",
            "Regulator gives {name} {months} months to close gaps in access reviews and staff training "
            "records.",
        ),
        job=("{name} seeks a Compliance Analyst to remediate {n} open audit findings before re-assessment.",),
        social=("Audit week at {name}. We did not have evidence for half the controls. Long nights ahead.",),
        web=("{name} board minutes: external auditors flagged missing evidence for access reviews.",),
        personas=("CISO", "Head of Compliance", "Chief Risk Officer"),
    ),
    need(
        "offboarding_gaps",
        "accounts and access not removed when people leave",
        sectors="",
        size=(80, 10_000_000),
        weight=0.9,
        phrases=(
            "former employees who still log in",
            "dozens of passwords per person",
            "access requests by email",
        ),
        news=(
            "{name} discovers a former contractor still had access to customer data {months} months after "
            "leaving.",
        ),
        job=(
            "{name} is hiring an Identity Engineer to clean up {big} orphaned accounts across SaaS apps.",
            "IT Admin ({name}): automate joiner, mover and leaver processes; today everything is a "
            "spreadsheet.",
        ),
        social=("Our staff at {name} juggle {n} different logins. The password reset queue never ends.",),
        review=("Took a week to get access to basic tools at {name}; leavers keep access for ages.",),
        web=("{name} security bulletin: quarterly access review found {big} accounts with no owner.",),
        techs=("Microsoft 365", "Google Workspace"),
        legacy=("Active Directory on-prem",),
        personas=("CISO", "IT Manager", "Head of IT Operations"),
    ),
    need(
        "ransomware_attack",
        "hit by ransomware or a serious intrusion",
        sectors="",
        size=(20, 10_000_000),
        weight=0.7,
        phrases=(
            "the encryption attack on our servers",
            "systems taken offline by attackers",
            "a ransom demand",
        ),
        news=(
            "{name} says a cyberattack encrypted file servers and halted production for {n} days.",
            "{name} notified customers that attackers accessed internal systems; investigation ongoing.",
        ),
        job=(
            "{name} is hiring a Security Operations Analyst following a recent incident; 24/7 coverage "
            "needed.",
        ),
        social=("Week two of rebuilding laptops at {name} after the attack. Paper order forms are back.",),
        web=("{name} service update: some systems remain offline while we restore operations safely.",),
        personas=("CISO", "CIO", "IT Manager"),
    ),
    need(
        "small_it_no_soc",
        "no one watching security alerts around the clock",
        sectors="",
        size=(50, 3_000),
        weight=0.8,
        phrases=("alerts nobody reviews at night", "a two-person IT team", "antivirus from 2015"),
        news=("{name} insurer raises cyber premium {pct}% and demands round-the-clock monitoring.",),
        job=("{name} seeks a Security Engineer; you will be our first dedicated security hire.",),
        social=("At {name} the IT team is me and one intern. Alerts after 6 p.m.? Nobody sees them.",),
        web=("{name} renewal questionnaire asks about endpoint detection; current answer: no.",),
        legacy=("Symantec Endpoint Protection",),
        personas=("IT Manager", "CFO", "CIO"),
    ),
    need(
        "soc2_demand",
        "enterprise customers demand SOC 2 / ISO 27001 before signing",
        sectors="51 54 52",
        size=(10, 2_000),
        weight=1.0,
        phrases=(
            "security questionnaires from big customers",
            "deals stuck in vendor review",
            "evidence screenshots",
        ),
        news=("{name} lost a {big}-seat enterprise deal after failing the buyer's vendor security review.",),
        job=(
            "{name} is hiring a GRC Manager to get us through our first security attestation in {months} "
            "months.",
            "Security Engineer at {name}: answer {n} security questionnaires a month and build our policies.",
        ),
        social=(
            "Filled in my 40th security questionnaire this year at {name}. There has to be a better way.",
        ),
        web=("{name} trust page: security certification in progress, expected {q}.",),
        personas=("CTO", "Head of Security", "VP Sales"),
    ),
    need(
        "privacy_requests",
        "flood of personal data requests and cookie complaints",
        sectors="45 44 51 52 62 72",
        size=(20, 10_000_000),
        weight=0.7,
        phrases=(
            "data access requests piling up",
            "the cookie banner complaint",
            "deleting customer data by hand",
        ),
        news=("{name} fined after a regulator found it ignored customer requests to delete their data.",),
        job=("{name} seeks a Privacy Officer to handle {big} customer data requests per month.",),
        social=("Manually searching {n} systems at {name} to answer one customer's data request. Joy.",),
        web=("{name} updated its cookie notice after complaints to the data protection authority.",),
        personas=("Data Protection Officer", "General Counsel", "Head of Compliance"),
    ),
    need(
        "theft_shrinkage",
        "rising theft, break-ins and shrink at sites",
        sectors="44 45 42 48 23 72 53",
        size=(20, 10_000_000),
        weight=0.9,
        phrases=("shoplifting at our stores", "break-ins at the yard", "stock that disappears overnight"),
        news=(
            "{name} reports shrink rose to {pct_small}% of sales and closes {n} stores earlier in the "
            "evening.",
            "Police investigate a third break-in at {name}'s {city} depot this year.",
        ),
        job=("{name} is hiring Loss Prevention Officers for {n} locations.",),
        social=("Fourth time copper was stolen from our site this month. {name} yard needs better cameras.",),
        web=("{name} store notice: high-value items are now kept behind the counter.",),
        slots={"pct_small": ("1.8", "2.4", "3.1", "2.9")},
        legacy=("analog CCTV",),
        personas=("Head of Loss Prevention", "Facilities Director", "COO"),
    ),
    need(
        "chargeback_fraud",
        "card fraud, chargebacks and fake accounts rising",
        sectors="45 44 52 51 72 48",
        size=(20, 10_000_000),
        weight=0.9,
        phrases=(
            "disputed card payments",
            "fake sign-ups abusing promotions",
            "accounts taken over by criminals",
        ),
        news=(
            "{name} says chargebacks reached {pct_small}% of orders, putting its card processing at risk.",
            "{name} paused referral bonuses after thousands of fake sign-ups drained the budget.",
        ),
        job=("{name} is hiring a Risk Analyst to review suspicious orders and dispute claims manually.",),
        social=("Customer support at {name} spends all day on 'I did not make this purchase' tickets.",),
        review=("Checkout at {name} keeps blocking good customers while obvious scammers get through.",),
        web=("{name} notice: orders shipped to freight forwarders now need manual verification.",),
        slots={"pct_small": ("1.1", "1.6", "2.3", "0.9")},
        personas=("Head of Payments", "CFO", "Head of Risk"),
    ),
)

CATEGORIES = (
    category(
        "security_awareness",
        "Security awareness training",
        needs="phishing_incidents audit_failure",
        size=(20, 10_000_000),
        budget=5_000,
        incumbents=("KnowBe4", "Proofpoint Security Awareness", "Hoxhunt"),
        vendors=(
            "{name} teaches staff to spot fake invoice emails and CEO-fraud requests with short monthly "
            "lessons.",
            "{name} simulated lures show which teams still click, and auditors get the training records "
            "they ask "
            "for.",
            "{name} customers report {pct}% fewer mailbox takeovers after one year.",
        ),
        prompts=(
            "security awareness training platform",
            "Human risk management and phishing simulation for mid-market",
            "We sell SAT; which organizations have employees being tricked by scammers?",
            P("cyber awareness e-learning for hospitals and banks", sectors="62 52"),
            "Companies that should train their people against social engineering",
        ),
        exemplar="need to reduce human cyber risk",
        distractors=("{name} held an awareness day about healthy eating for its staff.",),
    ),
    category(
        "identity_access",
        "Identity and access management / SSO",
        needs="offboarding_gaps",
        size=(80, 10_000_000),
        budget=25_000,
        incumbents=("Okta", "Microsoft Entra ID", "JumpCloud"),
        vendors=(
            "{name} removes former employees' access everywhere in one click and ends dozens of passwords "
            "per "
            "person.",
            "{name} automates joiner, mover and leaver processes across SaaS apps; access reviews in "
            "minutes.",
            "{name} cuts password reset tickets by {pct}% with single sign-on.",
        ),
        prompts=(
            "IAM and SSO platform",
            "Workforce identity governance for mid-size and large companies",
            "We sell zero-trust identity; which firms have messy user lifecycle management?",
            "identity lifecycle automation and privileged access",
            "Organizations struggling to control who can log into what, especially when people join or leave",
        ),
        exemplar="have identity sprawl problems",
        distractors=("{name} introduced new visitor badges at its {city} headquarters.",),
    ),
    category(
        "mdr_endpoint",
        "Managed detection and response (MDR/EDR)",
        needs="small_it_no_soc ransomware_attack",
        size=(50, 10_000_000),
        budget=30_000,
        incumbents=("CrowdStrike Falcon", "SentinelOne", "Arctic Wolf"),
        vendors=(
            "{name} watches your alerts around the clock so a two-person IT team is not alone at night.",
            "{name} stopped an encryption attack at a manufacturer within {n} minutes; servers never went "
            "offline.",
            "{name} helps companies meet insurer demands for round-the-clock monitoring.",
        ),
        prompts=(
            "MDR service",
            "24/7 SOC-as-a-service with EDR for companies without a security team",
            "We sell XDR; list companies likely to need managed threat detection",
            P("managed security for mid-market manufacturers", size="mid", sectors="31 32 33"),
            "Mid-size businesses without their own security staff who cannot watch for threats overnight",
        ),
        exemplar="need a security operations partner",
        distractors=("{name} renewed its contract with a night-watch patrol for its parking lot.",),
    ),
    category(
        "grc_compliance",
        "Compliance automation (SOC 2 / ISO 27001)",
        needs="soc2_demand audit_failure",
        size=(10, 5_000),
        budget=10_000,
        incumbents=("Vanta", "Drata", "Secureframe"),
        vendors=(
            "{name} gets you through your first security attestation fast: policies, evidence collection, "
            "auditor "
            "access.",
            "{name} answers security questionnaires from big customers automatically, unblocking deals "
            "stuck in "
            "vendor review.",
            "{name} closes open audit findings by collecting evidence screenshots for you.",
        ),
        prompts=(
            "SOC 2 compliance automation",
            "GRC software for startups selling to enterprises",
            "We automate ISO 27001 readiness for vendors whose enterprise deals stall in procurement "
            "security checks",
            "continuous controls monitoring and trust center",
            P("SOC2 for B2B SaaS companies under 500 employees", size="smb", sectors="51 54"),
        ),
        exemplar="need a security certification to win bigger customers",
        distractors=("{name} achieved an environmental management certificate for its warehouse.",),
    ),
    category(
        "data_privacy",
        "Privacy management (consent, DSAR)",
        needs="privacy_requests",
        size=(20, 10_000_000),
        budget=12_000,
        incumbents=("OneTrust", "Osano", "Usercentrics"),
        vendors=(
            "{name} answers customer data requests automatically across all your systems.",
            "{name} cookie banners that keep regulators happy and complaints away.",
            "{name} finds and deletes personal data on request, with a full audit trail.",
        ),
        prompts=(
            "privacy management software (consent management, DSAR automation)",
            P("GDPR compliance platform for online retailers", sectors="45 44"),
            "We sell a consent and preference manager; which consumer companies struggle to honour "
            "deletion and "
            "access requests?",
            "privacy program tooling for B2C brands",
            "data subject rights automation",
        ),
        exemplar="have to handle lots of personal data requests",
        distractors=("{name} published a new privacy-friendly parking policy for visitors.",),
    ),
    category(
        "physical_security",
        "Video surveillance and access control",
        needs="theft_shrinkage",
        size=(20, 10_000_000),
        budget=15_000,
        incumbents=("Verkada", "Genetec", "Avigilon"),
        vendor_naics="561621",
        vendors=(
            "{name} cloud cameras stop shoplifting and yard break-ins with real-time alerts.",
            "{name} replaces analog CCTV; find the stock that disappears overnight in seconds.",
            "{name} installs smart locks and cameras for retailers and depots across {city}.",
        ),
        prompts=(
            "cloud video surveillance",
            "Physical security systems integrator seeking new commercial clients",
            "AI-powered loss prevention cameras",
            P("access control and video for multi-site retailers", sectors="44 45"),
            "Retailers and depots losing merchandise to theft who need better eyes on their locations",
        ),
        exemplar="need to protect their sites and stock",
        distractors=("{name} launched a video series about its company history.",),
    ),
    category(
        "fraud_detection",
        "Fraud detection and chargeback prevention",
        needs="chargeback_fraud",
        size=(20, 10_000_000),
        budget=25_000,
        incumbents=("Sift", "Riskified", "Signifyd"),
        vendors=(
            "{name} blocks disputed card payments and fake sign-ups while good customers sail through "
            "checkout.",
            "{name} guarantees chargebacks: if we approve an order and it is disputed, we pay.",
            "{name} spots accounts taken over by criminals before the first fraudulent order.",
        ),
        prompts=(
            "fraud detection platform",
            "Payment fraud prevention and chargeback guarantee for e-commerce",
            "Machine learning risk scoring for fintechs and marketplaces",
            "We sell account takeover protection; who is getting hit?",
            "Online merchants losing money to stolen cards, disputed orders and bogus accounts",
        ),
        exemplar="are fighting online fraud",
        distractors=("{name} supports a local charity that helps elderly people avoid scams.",),
    ),
)
