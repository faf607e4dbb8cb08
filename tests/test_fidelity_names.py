"""Names judge: table-driven over the seed article's facts, 20 languages, 5 scripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.fidelity.names import NameSpec, judge_names
from harness.references.article import load_article
from harness.references.facts import Facts, load_facts

REFERENCES = Path(__file__).resolve().parent.parent / "references"
ARTICLE = load_article("ki-2025-05-20-naturalized-migrants", REFERENCES)
FACTS = ARTICLE.path / "facts.toml"


@pytest.fixture(scope="module")
def facts() -> Facts:
    return load_facts(FACTS)


def judge(facts: Facts, segment: str, lang: str, translation: str):  # type: ignore[no-untyped-def]
    seg = facts.for_segment(segment)
    source = ARTICLE.segment(segment).restored
    return judge_names(
        source, translation, lang, expected=seg.name_specs(lang), known=seg.known_specs(lang)
    )


# (lang, segment, translation, {fact id: how}, missing ids, unexpected ids)
CASES = [
    # Good translations: every name kept, curated forms.
    (
        "es",
        "p01",
        "Las fuerzas del orden rusas han enviado a 20.000 migrantes naturalizados a "
        "luchar en Ucrania, dijo el jefe del Comité de Investigación, Alexander Bastrykin, según "
        "la agencia estatal TASS.",
        {
            "ukraine": "exact",
            "investigative-committee": "exact",
            "bastrykin": "exact",
            "tass": "exact",
        },
        set(),
        set(),
    ),
    (
        "ca",
        "p01",
        "Les forces de l'ordre russes han enviat 20.000 migrants a lluitar a Ucraïna, "
        "va dir el cap del Comitè d'Investigació, Aleksandr Bastrikin, segons l'agència TASS.",
        {
            "ukraine": "exact",
            "investigative-committee": "exact",
            "bastrykin": "exact",
            "tass": "exact",
        },
        set(),
        set(),
    ),
    (
        "gl",
        "p01",
        "As forzas da orde rusas enviaron 20.000 migrantes a loitar en Ucraína, dixo "
        "o xefe do Comité de Investigación, Aleksandr Bastrikin, segundo a axencia TASS.",
        {
            "ukraine": "exact",
            "investigative-committee": "exact",
            "bastrykin": "exact",
            "tass": "exact",
        },
        set(),
        set(),
    ),
    (
        "eo",
        "p01",
        "Rusaj policaj agentejoj sendis 20 000 migrantojn por batali en Ukrainio, "
        "diris la estro de la Enketa Komitato Aleksandr Bastrikin, laŭ la ŝtata TASS.",
        {
            "ukraine": "exact",
            "investigative-committee": "exact",
            "bastrykin": "exact",
            "tass": "exact",
        },
        set(),
        set(),
    ),
    (
        "de",
        "p01",
        "Russische Strafverfolgungsbehörden haben 20.000 eingebürgerte Migranten zum "
        "Kämpfen in die Ukraine geschickt, sagte der Chef des Ermittlungskomitees Alexander "
        "Bastrykin laut der staatlichen Nachrichtenagentur TASS.",
        {
            "ukraine": "exact",
            "investigative-committee": "inflected",
            "bastrykin": "exact",
            "tass": "exact",
        },
        set(),
        set(),
    ),
    (
        "fr",
        "p01",
        "Les forces de l'ordre russes ont envoyé 20 000 migrants combattre en Ukraine, "
        "a déclaré le chef du Comité d'enquête, Alexandre Bastrykine, selon l'agence TASS.",
        {
            "ukraine": "exact",
            "investigative-committee": "exact",
            "bastrykin": "exact",
            "tass": "exact",
        },
        set(),
        set(),
    ),
    (
        "it",
        "p01",
        "Le forze dell'ordine russe hanno inviato 20.000 migranti a combattere in "
        "Ucraina, ha dichiarato il capo del Comitato investigativo Aleksandr Bastrykin, secondo "
        "l'agenzia statale TASS.",
        {
            "ukraine": "exact",
            "investigative-committee": "exact",
            "bastrykin": "exact",
            "tass": "exact",
        },
        set(),
        set(),
    ),
    (
        "pt",
        "p01",
        "As agências russas enviaram 20.000 migrantes para lutar na Ucrânia, disse o "
        "chefe do Comitê de Investigação, Alexander Bastrykin, segundo a agência estatal TASS.",
        {
            "ukraine": "exact",
            "investigative-committee": "exact",
            "bastrykin": "exact",
            "tass": "exact",
        },
        set(),
        set(),
    ),
    (
        "pl",
        "p01",
        "Rosyjskie organy ścigania wysłały 20 tys. migrantów do walki na Ukrainie – "
        "powiedział szef Komitetu Śledczego Aleksandr Bastrykin, według agencji TASS.",
        {
            "ukraine": "inflected",
            "investigative-committee": "inflected",
            "bastrykin": "exact",
            "tass": "exact",
        },
        set(),
        set(),
    ),
    (
        "ru",
        "p01",
        "Российские правоохранительные органы отправили 20 000 мигрантов воевать на "
        "Украину, заявил глава Следственного комитета Александр Бастрыкин, сообщает ТАСС.",
        {
            "ukraine": "inflected",
            "investigative-committee": "inflected",
            "bastrykin": "exact",
            "tass": "exact",
        },
        set(),
        set(),
    ),
    (
        "uk",
        "p01",
        "Російські правоохоронці відправили 20 000 мігрантів воювати в Україні, заявив "
        "голова Слідчого комітету Олександр Бастрикін, повідомляє ТАСС.",
        {
            "ukraine": "inflected",
            "investigative-committee": "inflected",
            "bastrykin": "exact",
            "tass": "exact",
        },
        set(),
        set(),
    ),
    (
        "tr",
        "p01",
        "Rus kolluk kuvvetleri 20.000 göçmeni Ukrayna'da savaşmaya gönderdi, dedi "
        "Soruşturma Komitesi Başkanı Aleksandr Bastrıkin, devlete ait TASS'a göre.",
        {
            "ukraine": "exact",
            "investigative-committee": "exact",
            "bastrykin": "exact",
            "tass": "exact",
        },
        set(),
        set(),
    ),
    (
        "ar",
        "p01",
        "أرسلت وكالات إنفاذ القانون الروسية 20 ألف مهاجر للقتال في أوكرانيا، حسبما "
        "قال رئيس لجنة التحقيق ألكسندر باستريكين، وفقا لوكالة تاس الرسمية.",
        {
            "ukraine": "exact",
            "investigative-committee": "exact",
            "bastrykin": "exact",
            "tass": "exact",
        },
        set(),
        set(),
    ),
    (
        "zh",
        "p01",
        "据官方塔斯社报道，俄罗斯调查委员会主席亚历山大·巴斯特雷金表示，"
        "俄罗斯执法机构已将"
        "2万名入籍移民送往乌克兰作战。",
        {
            "ukraine": "exact",
            "investigative-committee": "exact",
            "bastrykin": "exact",
            "tass": "exact",
        },
        set(),
        set(),
    ),
    (
        "ja",
        "p01",
        "ロシアの法執行機関は2万人の帰化移民をウクライナでの戦闘に送ったと、"
        "連邦捜査委員会の"
        "アレクサンドル・バストルイキン委員長が述べた。国営タス通信が伝えた。",
        {
            "ukraine": "exact",
            "investigative-committee": "exact",
            "bastrykin": "exact",
            "tass": "exact",
        },
        set(),
        set(),
    ),
    (
        "ko",
        "p01",
        "러시아 사법 당국이 귀화 이민자 2만 명을 우크라이나로 보내 "
        "싸우게 했다고 알렉산드르 "
        "바스트리킨 연방수사위원회 위원장이 밝혔다고 국영 타스통신이 보도했다.",
        {
            "ukraine": "exact",
            "investigative-committee": "exact",
            "bastrykin": "exact",
            "tass": "exact",
        },
        set(),
        set(),
    ),
    # The Wall Street Journal, kept or localised.
    (
        "ru",
        "p06",
        "по данным западной разведки, на которые ссылается Wall Street Journal.",
        {"wsj": "exact"},
        set(),
        set(),
    ),
    (
        "ru",
        "p06",
        "по данным западной разведки, на которые ссылается «Уолл-стрит джорнэл».",
        {"wsj": "exact"},
        set(),
        set(),
    ),
    (
        "uk",
        "p06",
        "за даними західної розвідки, на які посилається Волл-стріт джорнел.",
        {"wsj": "exact"},
        set(),
        set(),
    ),
    ("zh", "p06", "据《华尔街日报》援引的西方情报。", {"wsj": "exact"}, set(), set()),
    (
        "ja",
        "p06",
        "ウォールストリート・ジャーナルが引用した西側の情報機関によると。",
        {"wsj": "exact"},
        set(),
        set(),
    ),
    (
        "ko",
        "p06",
        "월스트리트저널이 인용한 서방 정보기관에 따르면.",
        {"wsj": "exact"},
        set(),
        set(),
    ),
    (
        "ar",
        "p06",
        "وفقا للاستخبارات الغربية التي نقلتها صحيفة وول ستريت جورنال.",
        {"wsj": "exact"},
        set(),
        set(),
    ),
    # Spun names carried over are not the name.
    (
        "es",
        "p06",
        "según la inteligencia occidental citada por el Wall Avenue Journal.",
        {},
        {"wsj"},
        set(),
    ),
    (
        "de",
        "p06",
        "laut westlichen Geheimdiensten, die vom Wall Avenue Journal zitiert werden.",
        {},
        {"wsj"},
        set(),
    ),
    (
        "ru",
        "p06",
        "по данным западной разведки, на которые ссылается Уолл Авеню Джорнал.",
        {},
        {"wsj"},
        set(),
    ),
    (
        "ja",
        "p06",
        "ウォール・アベニュー・ジャーナルが引用した西側情報によると。",
        {},
        {"wsj"},
        set(),
    ),
    (
        "es",
        "p03",
        "\"Ya 20.000 ciudadanos 'jóvenes' de Rusia, a quienes no les gusta vivir en "
        'Uzbekistán, Tayikistán, Kirguistán, están en el frente", dijo Bastrykin durante el Foro '
        "Mundial Autorizado de San Petersburgo.",
        {
            "russia": "exact",
            "uzbekistan": "exact",
            "tajikistan": "exact",
            "kyrgyzstan": "exact",
            "bastrykin": "exact",
        },
        {"spilf"},
        set(),
    ),
    (
        "fr",
        "p03",
        "\"Déjà 20 000 jeunes citoyens de Russie qui n'aiment pas vivre en "
        'Ouzbékistan, au Tadjikistan, au Kirghizistan sont au front", a dit Bastrykine lors du '
        "Forum de discussion autorisé mondial de Saint-Pétersbourg.",
        {
            "russia": "exact",
            "uzbekistan": "exact",
            "tajikistan": "exact",
            "kyrgyzstan": "exact",
            "bastrykin": "exact",
        },
        {"spilf"},
        set(),
    ),
    (
        "zh",
        "p03",
        "巴斯特雷金在圣彼得堡全球授权讨论会上说："
        "“已有2万名俄罗斯‘年轻’公民不喜欢住在乌兹别克斯坦、"
        "塔吉克斯坦、吉尔吉斯斯坦，他们正在前线。”",
        {
            "russia": "exact",
            "uzbekistan": "exact",
            "tajikistan": "exact",
            "kyrgyzstan": "exact",
            "bastrykin": "exact",
        },
        {"spilf"},
        set(),
    ),
    (
        "de",
        "p04",
        "Er habe Militärermittler, Polizei und Russlands landesweite Garde angewiesen.",
        {},
        {"national-guard"},
        set(),
    ),
    # Letter case, spacing and punctuation.
    (
        "es",
        "p01",
        "Según Tass, el Comité de Investigación y su jefe Bastrykin enviaron migrantes a Ucrania.",
        {
            "ukraine": "exact",
            "investigative-committee": "exact",
            "bastrykin": "exact",
            "tass": "case",
        },
        set(),
        set(),
    ),
    ("de", "p06", "laut dem WALL STREET JOURNAL.", {"wsj": "case"}, set(), set()),
    ("ru", "p06", "как пишет Уолл стрит джорнэл", {"wsj": "case"}, set(), set()),
    ("ko", "p06", "월 스트리트저널에 따르면", {"wsj": "case"}, set(), set()),
    ("ja", "p06", "ウォール・ストリート・ジャーナル紙によると", {"wsj": "exact"}, set(), set()),
    # Transliterated: another spelling of the same letters.
    (
        "bg",
        "p01",
        "Руските власти изпратиха 20 000 мигранти да воюват в Украйна, заяви "
        "Бастрикин, съобщи ТАСС.",
        {"ukraine": "exact", "bastrykin": "transliterated", "tass": "transliterated"},
        {"investigative-committee"},
        set(),
    ),
    (
        "sr",
        "p05",
        "Bastrikin je ranije tvrdio da mnogi stranci napuštaju Rusiju.",
        {"bastrykin": "transliterated", "russia": "inflected"},
        set(),
        set(),
    ),
    (
        "uk",
        "p05",
        "Бастрыкин раніше заявив, що багато іноземців почали залишати Росію.",
        {"bastrykin": "transliterated", "russia": "inflected"},
        set(),
        set(),
    ),
    (
        "es",
        "p03",
        "Dijo Bastrykin en el Foro Jurídico Internacional de San Petersburgo que "
        "ciudadanos de Rusia de Uzbekistan, Tayikistan y Kirguizstan están en el frente.",
        {
            "russia": "exact",
            "uzbekistan": "exact",
            "tajikistan": "transliterated",
            "kyrgyzstan": "transliterated",
            "bastrykin": "exact",
            "spilf": "exact",
        },
        set(),
        set(),
    ),
    (
        "tr",
        "p03",
        "Bastrykin, St. Petersburg Uluslararası Hukuk Forumu'nda Rusya "
        "vatandaşlarının Ozbekistan, Tacikistan ve Kirgizistan'da yaşadığını söyledi.",
        {
            "russia": "exact",
            "uzbekistan": "transliterated",
            "tajikistan": "exact",
            "kyrgyzstan": "transliterated",
            "bastrykin": "exact",
            "spilf": "exact",
        },
        set(),
        set(),
    ),
    # Inflected: case endings and clitics.
    (
        "ru",
        "p03",
        "«Уже 20 тысяч граждан России, которым не нравится жить в Узбекистане, "
        "Таджикистане, Киргизии, находятся на передовой», — сказал Бастрыкин на Петербургском "
        "международном юридическом форуме.",
        {
            "russia": "inflected",
            "uzbekistan": "inflected",
            "tajikistan": "inflected",
            "kyrgyzstan": "inflected",
            "bastrykin": "exact",
            "spilf": "inflected",
        },
        set(),
        set(),
    ),
    (
        "pl",
        "p03",
        "„Już 20 tysięcy obywateli Rosji, którzy nie lubią mieszkać w Uzbekistanie, "
        "Tadżykistanie, Kirgistanie, jest na froncie” – powiedział Bastrykin podczas "
        "Międzynarodowego Forum Prawnego w Petersburgu.",
        {
            "russia": "inflected",
            "uzbekistan": "inflected",
            "tajikistan": "inflected",
            "kyrgyzstan": "inflected",
            "bastrykin": "exact",
            "spilf": "inflected",
        },
        set(),
        set(),
    ),
    (
        "uk",
        "p03",
        "«Вже 20 тисяч громадян Росії, яким не подобається жити в Узбекистані, "
        "Таджикистані, Киргизстані, перебувають на фронті», — сказав Бастрикін під час "
        "Петербурзького міжнародного юридичного форуму.",
        {
            "russia": "inflected",
            "uzbekistan": "inflected",
            "tajikistan": "inflected",
            "kyrgyzstan": "inflected",
            "bastrykin": "exact",
            "spilf": "inflected",
        },
        set(),
        set(),
    ),
    (
        "de",
        "p03",
        "„Schon 20.000 Bürger Russlands, die nicht gern in Usbekistan, Tadschikistan, "
        "Kirgisistan leben, sind an der Front“, sagte Bastrykin auf dem Internationalen "
        "Rechtsforum in St. Petersburg.",
        {
            "russia": "inflected",
            "uzbekistan": "exact",
            "tajikistan": "exact",
            "kyrgyzstan": "exact",
            "bastrykin": "exact",
            "spilf": "inflected",
        },
        set(),
        set(),
    ),
    (
        "eo",
        "p10",
        "multaj estas premataj subskribi kontraktojn, kiuj kondukas al deplojo en Ukrainion.",
        {"ukraine": "inflected"},
        set(),
        set(),
    ),
    (
        "ar",
        "p02",
        "يشير الكشف إلى حملة على المهاجرين في روسيا بينما يكافح الكرملين لتلبية احتياجات الجبهة.",
        {"russia": "exact", "kremlin": "exact"},
        set(),
        set(),
    ),
    (
        "ar",
        "p07",
        "ومع ذلك تجنب الكرملين التعبئة، وهو ما يعرف للكرملين جيدا.",
        {"kremlin": "exact"},
        set(),
        set(),
    ),
    (
        "ar",
        "p05",
        "وادعى باستريكين أن الأجانب بدأوا يغادرون بهدوء، وروسيا تجند المهاجرين.",
        {"bastrykin": "exact", "russia": "inflected"},
        set(),
        set(),
    ),
    (
        "tr",
        "p07",
        "Kremlinin yeni bir seferberlikten kaçındığı biliniyor.",
        {"kremlin": "inflected"},
        set(),
        set(),
    ),
    (
        "ru",
        "p09",
        "31 марта президент России Владимир Путин подписал указ о призыве.",
        {"putin": "exact"},
        set(),
        set(),
    ),
    (
        "ru",
        "p09",
        "31 марта вышел указ Владимира Путина о весеннем призыве.",
        {"putin": "inflected"},
        set(),
        set(),
    ),
    (
        "pl",
        "p09",
        "31 marca dekret Władimira Putina zatwierdził pobór.",
        {"putin": "inflected"},
        set(),
        set(),
    ),
    (
        "ru",
        "p04",
        "Он приказал военным следователям, полиции и Росгвардии проводить рейды.",
        {"national-guard": "inflected"},
        set(),
        set(),
    ),
    # A possessive ("Russia's migrant population") may become an adjective.
    (
        "ru",
        "p02",
        "Это говорит об усилении давления на российских мигрантов, поскольку Кремль "
        "пытается восполнить потери.",
        {"russia": "inflected", "kremlin": "exact"},
        set(),
        set(),
    ),
    (
        "de",
        "p02",
        "Das deutet auf ein härteres Vorgehen gegen die russische Migrantenbevölkerung "
        "hin, während der Kreml Personal sucht.",
        {"russia": "inflected", "kremlin": "exact"},
        set(),
        set(),
    ),
    (
        "ru",
        "p05",
        "Бастрыкин заявил, что многие иностранцы начали уезжать из российских городов.",
        {"bastrykin": "exact"},
        {"russia"},
        set(),
    ),
    # Fuzzy: a typo or a variant transliteration is still the name.
    (
        "es",
        "p01",
        "Según TASS, Alexander Bastrykyn, del Comité de Investigación, envió migrantes a Ucrania.",
        {
            "ukraine": "exact",
            "investigative-committee": "exact",
            "bastrykin": "fuzzy",
            "tass": "exact",
        },
        set(),
        set(),
    ),
    (
        "ru",
        "p05",
        "Бастрыкен ранее заявил, что иностранцы уезжают из России.",
        {"bastrykin": "fuzzy", "russia": "inflected"},
        set(),
        set(),
    ),
    (
        "de",
        "p03",
        "Bastrykin sagte auf dem Internationalen Rechtsforum in St. Petersburg, "
        "Bürger Russlands aus Usbekistan, Tadschikistn und Kirgisistan seien an der Front.",
        {
            "russia": "inflected",
            "uzbekistan": "exact",
            "tajikistan": "fuzzy",
            "kyrgyzstan": "exact",
            "bastrykin": "exact",
            "spilf": "inflected",
        },
        set(),
        set(),
    ),
    # Fuzzy guard: a different real name is never accepted.
    (
        "de",
        "p03",
        "Bastrykin sagte auf dem Internationalen Rechtsforum in St. Petersburg, "
        "Bürger Russlands aus Usbekistan, Tadschikistan und Kasachstan seien an der Front.",
        {
            "russia": "inflected",
            "uzbekistan": "exact",
            "tajikistan": "exact",
            "bastrykin": "exact",
            "spilf": "inflected",
        },
        {"kyrgyzstan"},
        set(),
    ),
    (
        "es",
        "p05",
        "Bortnikov afirmó que muchos extranjeros empezaron a abandonar Rusia.",
        {"russia": "exact"},
        {"bastrykin"},
        set(),
    ),
    (
        "es",
        "p05",
        "Gastrykin afirmó que muchos extranjeros empezaron a abandonar Rusia.",
        {"russia": "exact"},
        {"bastrykin"},
        set(),
    ),
    (
        "es",
        "p01",
        "Según la agencia TAS, el jefe del Comité de Investigación Bastrykin envió "
        "migrantes a Ucrania.",
        {"ukraine": "exact", "investigative-committee": "exact", "bastrykin": "exact"},
        {"tass"},
        set(),
    ),
    (
        "es",
        "p03",
        "Bastrykin habló en el Foro Jurídico Internacional de San Petersburgo de "
        "ciudadanos de Rusia en Uzbekistán, Tayikistán y Kazajistán.",
        {
            "russia": "exact",
            "uzbekistan": "exact",
            "tajikistan": "exact",
            "bastrykin": "exact",
            "spilf": "exact",
        },
        {"kyrgyzstan"},
        set(),
    ),
    # Swapped names: missing, and unexpected when the swap is another known name.
    (
        "es",
        "p01",
        "Las fuerzas rusas enviaron 20.000 migrantes a Ucrania, dijo Vladimir Putin, "
        "según TASS y el Comité de Investigación.",
        {"ukraine": "exact", "investigative-committee": "exact", "tass": "exact"},
        {"bastrykin"},
        {"putin"},
    ),
    (
        "ru",
        "p09",
        "31 марта президент России Дмитрий Медведев подписал указ о призыве.",
        {},
        {"putin"},
        set(),
    ),
    (
        "es",
        "p07",
        "Con el recuerdo de la movilización de 2022, cuando 261.000 rusos huyeron a "
        "Ucrania, el Kremlin ha evitado otra leva.",
        {"kremlin": "exact"},
        set(),
        {"ukraine"},
    ),
    (
        "ru",
        "p02",
        "Путин и Кремль усиливают давление на мигрантов в России.",
        {"russia": "inflected", "kremlin": "exact"},
        set(),
        {"putin"},
    ),
    ("zh", "p10", "许多人被迫签署合同，最终被部署到俄罗斯。", {}, {"ukraine"}, {"russia"}),
]


@pytest.mark.parametrize(
    ("lang", "segment", "translation", "found", "missing", "unexpected"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)],
)
def test_names_judgement(
    facts: Facts,
    lang: str,
    segment: str,
    translation: str,
    found: dict[str, str],
    missing: set[str],
    unexpected: set[str],
) -> None:
    result = judge(facts, segment, lang, translation)
    assert {m.id: m.how for m in result.found} == found
    assert {m.id for m in result.missing} == missing
    assert {m.id for m in result.unexpected} == unexpected
    assert result.ok == (not missing and not unexpected)
    for match in result.found:
        assert translation[match.start : match.end] == match.found


def test_found_names_say_which_form_matched(facts: Facts) -> None:
    result = judge(facts, "p01", "pl", "Bastrykina pytano o Ukrainę, TASS i Komitet Śledczy.")
    bastrykin = next(m for m in result.found if m.id == "bastrykin")
    assert (bastrykin.found, bastrykin.how) == ("Bastrykina", "inflected")
    assert bastrykin.form in {"Bastrykin", "Aleksandr Bastrykin"}
    assert bastrykin.to_json()["source"] == "Alexander Bastrykin"


def test_missing_spun_name_explains_the_refused_candidate(facts: Facts) -> None:
    result = judge(facts, "p06", "en", "according to the Wall Avenue Journal.")
    (miss,) = result.missing
    assert miss.near == "wall avenue journal"
    assert "street" in miss.why
    assert miss.to_json()["score"] >= 60


def test_rival_names_guard_fuzzy_matches() -> None:
    karimov = NameSpec("karimov", "Karimov", ("Karimov",))
    karimova = NameSpec("karimova", "Karimova", ("Karimova",))
    result = judge_names(
        "Karimov spoke.", "Karimova spoke.", "en", expected=[karimov], known=[karimova]
    )
    assert [m.id for m in result.missing] == ["karimov"]
    assert "closer to another name" in result.missing[0].why
    assert [m.id for m in result.unexpected] == ["karimova"]


AUTO_CASES = [
    (
        "es",
        "President Emmanuel Macron met Olaf Scholz in Berlin on Monday.",
        "El presidente Emmanuel Macron se reunió con Olaf Scholz en Berlín el lunes.",
        {"Emmanuel Macron": "exact", "Olaf Scholz": "exact", "Berlin": "transliterated"},
        set(),
    ),
    (
        "de",
        "President Emmanuel Macron met Olaf Scholz in Berlin on Monday.",
        "Präsident Emmanuel Macron traf am Montag in Berlin.",
        {"Emmanuel Macron": "exact", "Berlin": "exact"},
        {"Olaf Scholz"},
    ),
    (
        "fr",
        "The Kremlin said TASS reported it.",
        "Le kremlin a dit que Tass l'a rapporté.",
        {"Kremlin": "case", "TASS": "case"},
        set(),
    ),
    (
        "ru",
        "Reuters reported on it.",
        "Об этом сообщило агентство Reuters.",
        {"Reuters": "exact"},
        set(),
    ),
    (
        "uk",
        "Poland and Hungary agreed.",
        "Угорщина домовилася з Польщею.",
        {"Poland": "inflected", "Hungary": "exact"},
        set(),
    ),
    (
        "ja",
        "Poland and Hungary agreed.",
        "ポーランドとハンガリーが合意した。",
        {"Poland": "exact", "Hungary": "exact"},
        set(),
    ),
    (
        "pt",
        "Russian forces entered Kharkiv, Western officials said.",
        "As forças russas entraram em Kharkov, disseram autoridades ocidentais.",
        {"Kharkiv": "fuzzy"},
        set(),
    ),
]


@pytest.mark.parametrize(("lang", "source", "translation", "found", "missing"), AUTO_CASES)
def test_names_without_facts(
    lang: str, source: str, translation: str, found: dict[str, str], missing: set[str]
) -> None:
    result = judge_names(source, translation, lang)
    assert {m.source: m.how for m in result.found} == found
    assert {m.source for m in result.missing} == missing
    assert all(not spec.curated for spec in result.expected)
