"""Editor blocks of the demo newsletter, as a communications team would write them (FR, EN, ES)."""

from __future__ import annotations

from mediawatch.types import BlockKind

DEMO_BLOCKS: dict[str, list[tuple[BlockKind, str, str]]] = {
    "fr": [
        (
            BlockKind.EDITORIAL,
            "Édito",
            "Ce mois-ci, les sols sont à l'agenda : nouvelles plateformes nationales, "
            "premiers réseaux de suivi du carbone et des agriculteurs qui mesurent eux-mêmes.\n\n"
            "Bonne lecture, et écrivez-nous pour partager vos initiatives.",
        ),
        (
            BlockKind.KEY_FIGURE,
            "0,4 %",
            "C'est la hausse annuelle du stock de carbone des sols qui, sur les "
            "30 à 40 premiers centimètres, compenserait une grande part de la hausse annuelle "
            "du CO2 atmosphérique.",
        ),
        (
            BlockKind.AGENDA,
            "Agenda",
            "4 décembre : webinaire « Mesurer le carbone des sols chez les petits "
            "producteurs ».\n\n12 décembre : journée des partenaires, en ligne.",
        ),
    ],
    "en": [
        (
            BlockKind.EDITORIAL,
            "Editorial",
            "This month soils are on the agenda: new national platforms, the "
            "first soil carbon monitoring networks, and farmers measuring for themselves.\n\n"
            "Enjoy the read, and write to us to share your own initiatives.",
        ),
        (
            BlockKind.KEY_FIGURE,
            "0.4%",
            "The yearly growth in soil carbon stocks, in the top 30 to 40 cm, that "
            "would offset a large share of the yearly rise in atmospheric CO2.",
        ),
        (
            BlockKind.AGENDA,
            "Agenda",
            '4 December: webinar "Measuring soil carbon on smallholder farms".\n\n'
            "12 December: partners' day, online.",
        ),
    ],
    "es": [
        (
            BlockKind.EDITORIAL,
            "Editorial",
            "Este mes los suelos están en la agenda: nuevas plataformas "
            "nacionales, las primeras redes de monitoreo del carbono y agricultores que miden "
            "por sí mismos.\n\n"
            "Buena lectura, y escríbanos para compartir sus iniciativas.",
        ),
        (
            BlockKind.KEY_FIGURE,
            "0,4 %",
            "Es el aumento anual del stock de carbono de los suelos que, en los "
            "primeros 30 a 40 cm, compensaría buena parte del aumento anual del CO2 atmosférico.",
        ),
        (
            BlockKind.AGENDA,
            "Agenda",
            "4 de diciembre: seminario web «Medir el carbono del suelo en pequeñas "
            "fincas».\n\n12 de diciembre: jornada de socios, en línea.",
        ),
    ],
}
