"""The people, campaigns and demands of the demo history. Fictional, except the one real
letter shipped beside this file (the CICC's letter of 27 March 2020)."""

from __future__ import annotations

STAFF = (
    ("amina.diallo@demo.invalid", "Amina Diallo"),
    ("jonas.berg@demo.invalid", "Jonas Berg"),
    ("lucia.ferreira@demo.invalid", "Lucía Ferreira"),
)

# (name, title, institution, country ISO code, responsiveness 0-1, typical days to answer)
OFFICIALS = (
    ("Helena Vasquez", "Minister of Justice", "Ministry of Justice", "CO", 0.7, 25),
    ("Rafael Montoya", "Minister of Foreign Affairs", "MFA", "CO", 0.35, 60),
    ("Claire Dubois", "Minister for Europe and Foreign Affairs", "Quai d'Orsay", "FR", 0.8, 20),
    ("Étienne Marchal", "Keeper of the Seals", "Ministry of Justice", "FR", 0.55, 35),
    ("Katrin Vogel", "Federal Minister of Justice", "BMJ", "DE", 0.85, 18),
    ("Matthias Roth", "Federal Foreign Office", "Auswärtiges Amt", "DE", 0.6, 30),
    ("Wanjiru Kamau", "Cabinet Secretary for Interior", "Ministry of Interior", "KE", 0.3, 70),
    ("Otieno Mwangi", "Attorney General", "Office of the Attorney General", "KE", 0.45, 45),
    ("Beatriz Lima", "Minister of Human Rights", "Ministério dos Direitos Humanos", "BR", 0.65, 28),
    ("Caio Andrade", "Minister of Justice", "Ministério da Justiça", "BR", 0.4, 50),
    ("Arjun Mehta", "Minister of External Affairs", "Ministry of External Affairs", "IN", 0.2, 90),
    ("Priya Raman", "Chairperson", "National Human Rights Commission", "IN", 0.5, 40),
    ("Miguel Santos", "Secretary of Justice", "Department of Justice", "PH", 0.25, 80),
    ("Grace Okafor", "Attorney General", "Federal Ministry of Justice", "NG", 0.35, 65),
    ("Sofía Herrera", "Secretary of Foreign Affairs", "SRE", "MX", 0.6, 32),
    ("Thabo Nkosi", "Minister of Justice and Correctional Services", "DOJCS", "ZA", 0.75, 24),
    ("Eleanor Hughes", "Foreign Secretary", "FCDO", "GB", 0.7, 22),
    ("James Whitfield", "Minister for Human Rights", "FCDO", "GB", 0.5, 38),
    ("Ayşe Demir", "Minister of Justice", "Ministry of Justice", "TR", 0.15, 100),
    ("Dewi Santoso", "Minister of Law and Human Rights", "Kemenkumham", "ID", 0.4, 55),
    ("Haruto Sato", "Minister for Foreign Affairs", "MOFA", "JP", 0.65, 30),
    ("Ingrid Solberg", "Minister of International Development", "MFA", "NO", 0.9, 15),
    ("Mariam Haddad", "Special Rapporteur", "UN Human Rights Council", None, 0.55, 40),
    ("Daniel Okoro", "Registrar", "International Criminal Court", "NL", 0.8, 21),
)

CAMPAIGNS = {
    "ICC sanctions": (
        "Lift the sanctions on court officials",
        "Withdraw the executive order",
        "Protect court staff and their families",
        "Cooperate with the Court's investigations",
    ),
    "Human-rights defenders in detention": (
        "Release the detained defenders",
        "Grant access to lawyers and family",
        "Investigate allegations of ill-treatment",
        "Drop the charges under the security law",
    ),
    "Death penalty moratorium": (
        "Declare an official moratorium on executions",
        "Commute all death sentences",
        "Ratify the Second Optional Protocol",
    ),
    "Press freedom": (
        "Release imprisoned journalists",
        "Repeal the criminal defamation law",
        "Investigate attacks on reporters",
        "End internet shutdowns",
    ),
    "Arms transfers": (
        "Suspend arms exports to parties to the conflict",
        "Publish export licence data",
        "Apply the Arms Trade Treaty criteria",
    ),
    "Climate displacement": (
        "Recognise climate-displaced people in law",
        "Fund the loss and damage facility",
        "Consult affected communities",
    ),
}
