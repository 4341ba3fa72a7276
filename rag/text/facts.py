"""Kinds of fact a question can ask for, and how a sentence states each kind.

General shapes of Chinese (and English) questions and policy sentences: a count with its
counter (多少家 -> 33家), an amount of money (多少资金 -> 10亿元), a percentage, a date, a
document number (文号), a title in 《》, a phone number, a person in a role (the contact person,
the addressee of a reply letter), a responsible unit. Patterns run on the NFKC-normalised form.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from rag.text.lexicon import glossary, lexicon
from rag.text.places import tag
from rag.text.tokenize import CJK_RUN_RE, known_word

# a figure: digits with thousands separators ("3,000"), decimals, or Chinese numerals
# (no braces: patterns built from NUM go through str.format)
# a number in English text: "30", "2,000", "1.5", "three"
EN_NUM = (
    r"(?:\d[\d,]*(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|fifteen|twenty|thirty|forty|fifty|sixty|hundred)"
)
EN_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
NUM = r"(?:\d\d?\d?(?:,\d\d\d)+|[0-9０-９一二三四五六七八九十百千万两零〇]+)(?:\.[0-9]+)?"
COUNTERS = "家个项所名位期台套座人条批处款种户只支栋间张部宗案"  # 案: Taiwan counts cases
# counters of things, for which texts also write the general classifier 个
OBJECT_COUNTERS = frozenset("台套座处栋间张部支只款种件")
COUNT_Q = re.compile(
    rf"(?:多少|(?<![哪这那])几)\s*([{COUNTERS}])|how many"
    r"|(?<!document )(?<!reference )(?<!phone )(?<!fax )(?<!contact )(?<!project )"
    r"(?<!serial )(?<!registration )(?<!case )(?<!tender )number of",
    re.I,
)
# 文号: issuer abbreviation, year in brackets, serial number ("青政办发〔2023〕7号", "[2024] 第3号")
DOC_NUMBER_RE = re.compile(
    r"[\u4e00-\u9fff]{1,12}\s*[〔\[［(（【]\s*\d{4}\s*[〕\]］)）】]\s*第?\s*\d{1,5}\s*号"
)
# a 字號 of Taiwan's official documents, serial number only: "府數字第1130045678號"
SERIAL_NUMBER_RE = re.compile(r"[\u4e00-\u9fff]{1,12}字第\s*\d{4,12}\s*[号號]")
YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
NUMBER_RE = re.compile(r"\d")


# "哪份先出的", "谁先发布": which came out first
FIRST_OUT_Q = r"(?:哪|谁)[^？?，,]{0,6}先(?:出|发|印发|发布|出台|公布)"
ORDER_Q = rf"更早|更晚|最早|最晚|先后顺序|{FIRST_OUT_Q}"
# which of several documents came out first: a question about their own dates
DOCUMENT_ORDER_Q = re.compile(
    rf"(?:{ORDER_Q})[^？?]*(?:份|文件|通知|方案|意见|措施|办法|答复|规划|计划|要点)"
    rf"|(?:份|文件|通知|方案|意见|措施|办法|答复|规划|计划|要点)[^？?]*(?:{ORDER_Q})"
)


@dataclass(frozen=True, slots=True)
class FactKind:
    """A kind of fact: the question cue that asks for it and the pattern that states it."""

    name: str
    asked: re.Pattern[str]
    stated: re.Pattern[str]
    # how many sentences after the best one may state it ("（责任单位：…）" follows its task)
    reach: int = 0


KINDS = (
    FactKind(
        "money",
        re.compile(
            r"(资金|投资|金额|经费|预算|基金|补贴|奖励|奖补|资助|融资|投入|产值|营收|收入|规模"
            r"|罚款|罚金|资本|薪|工资|薪酬|费|收费|价格|售价|单价|造价|成本|租金|保证金|奖金|补助)"
            r"[^？?。，,]{0,6}(多少|几(?![号月日天时点]))|多少(钱|资金|经费|投资|预算)|(多少|几)\s*(亿|万)元?"
            r"|花了?多少|花费多少"
            r"|how much (money|funding|investment|capital)|how much .*(invest|fund|spend|cost)"
            r"|(amount|value) of|\bbudget\b",
            re.I,
        ),
        re.compile(
            rf"{NUM}\s*(亿|万|千)?\s*(元|美元|港元|港币|澳门元|欧元|日元)|{NUM}\s*(亿|万亿)"
            r"|(?:hk|us|mop)?\$\s*\d[\d,.]*"
            # an English page: "3 million yuan", "RMB 50 million", "HK$1.2 billion"
            rf"|{EN_NUM}\s*(?:(?:million|billion|thousand)\s+)?(?:yuan|rmb|dollars|patacas)\b"
            rf"|\b(?:rmb|cny|mop|hkd|usd)\s*{EN_NUM}",
            re.I,
        ),
    ),
    FactKind(
        "percent",
        re.compile(
            r"百分之|比例|占比|比重|增速|增长率|入住率|覆盖率|(率|比)是多少|占(?!地)[^？?，,。]{0,6}多少"
            r"|what (percentage|share|"
            r"proportion)|percent|rate\b",
            re.I,
        ),
        # a bare decimal ("收视率为7.07") states a rate too; "37.88亿元" does not
        re.compile(
            rf"{NUM}\s*(%|％|个百分点)|百分之|\d+\.\d+(?![\d.]*\s*[亿万千百元米吨亩个家人])"
            # a ratio answers 比例 ("男女生比例约为1:7")
            # (not a time of day: "上午9:30", "9:00-17:00")
            r"|(?<![\d:午上晚])\d+(?:\.\d+)?\s*[:：]\s*\d+(?:\.\d+)?(?![\d:]|\s*[-~至到—])"
            rf"|{EN_NUM}\s*(?:per\s?cent|percentage points)\b",
            re.I,
        ),
    ),
    FactKind(
        "date",
        re.compile(
            r"什么时候|啥时候?|几时|几号(?!文)|何时|哪一?天|哪一日|日期|哪年|哪一年|几月|哪个月|哪几年|时间范围|起止"
            r"|期限|时限|落款"
            # which document came first: "哪份先出的", "哪个文件发得更早"
            rf"|{DOCUMENT_ORDER_Q.pattern}|{FIRST_OUT_Q}"
            # "When creating the base, how many…" is a clause, not a question about a date
            r"|^\s*when\s+(?:is|was|were|are|did|does|do|will|has|have|had|should|can|could)\b"
            r"|what date|which year|what year|since when",
            re.I,
        ),
        re.compile(
            r"(?<!\d)\d{3,4}\s*年|\d{4}-\d{1,2}|\d{1,2}\s*月\s*\d{1,2}\s*日|[〇零一二三四五六七八九]{4}年"
            # years of an era or a calendar: 民国18年, 庚申年, 正德十六年 (not 三年行动, 五年内)
            r"|民国\s*\d{1,3}\s*年|[甲乙丙丁戊己庚辛壬癸][子丑寅卯辰巳午未申酉戌亥]年"
            r"|(?<![近每前后用过续这那几数多两])(?:元|[一二三四五六七八九十]{1,3})年"
            r"(?![行规计时内来以左多的间度级龄限])"
            # times without a number: eras, seasons, parts of a year, month, week or day
            r"|世纪|年代|[春夏秋冬]季|时期|年间|[上中下]旬|年[底初末]|月[底初末]"
            r"|[早晚]上|[上下中]午|凌晨|傍晚|夜间|平日|工作日|周末|节假日|的时候|\d{1,2}[:：]\d{2}"
            # an English page: "April 1, 2025", "1 April 2025", "March 18"
            rf"|\b{EN_MONTH}\.?\s+\d{{1,2}}\b|\b\d{{1,2}}\s+{EN_MONTH}\b|\bin\s+(?:19|20)\d\d\b",
            re.I,
        ),
    ),
    FactKind(
        "duration",
        # "实施期限一般是几年", "有效期多长", "多少个工作日内": a length of time, not a date
        re.compile(
            # (not "西元幾年", "公元多少年": a year)
            r"(?<![元国])(?:多少|(?<![哪这那第])几)\s*个?\s*(?:工作日|年|月|天|日|周|小时)(?![度份])"
            # (多长 alone asks a length too: "这条街有多长"; "有效期多长" a time)
            r"|多久|多长时间|期多长|how long",
            re.I,
        ),
        re.compile(
            r"(?<![\d.月])(?:\d{1,3}|\d[\d,.]*\s*[万亿千百])\s*[余多]?\s*个?\s*"
            r"(?:工作日|年|月|天|日|周|小时)(?![度份]|\s*\d)"
            r"|[一二两三四五六七八九十百千万亿半数几]{1,4}\s*[余多]?\s*个?\s*"
            r"(?:工作日|年|月|天|周|小时)(?![度份级])"
            rf"|\b{EN_NUM}\s+(?:working\s+|business\s+|calendar\s+)?(?:years?|months?|weeks?|days?|hours?)\b",
            re.I,
        ),
    ),
    FactKind(
        "frequency",
        # "多久报一次", "隔多长时间评估一次", "how often": a period that repeats, not a length
        re.compile(
            r"(?:多久|多长时间|几个?[年月周天]|多少天)[^，,。？?]{0,5}一次|频次|频率|how often",
            re.I,
        ),
        re.compile(
            r"每\s*(?:[一二两三四五六半\d]{1,2}\s*个?)?\s*(?:年|半年|季度|季|月|周|星期|天|日|工作日)"
            r"|[一二两三四五六半\d]{1,2}\s*个?\s*(?:年|月|季度|周|天)一次|按(?:年|半年|季|季度|月|周)"
            r"|定期|逐月|逐季|\b(?:every|each|per)\s+(?:\w+\s+)?(?:year|quarter|month|week|day)\b"
            r"|\b(?:annually|quarterly|monthly|weekly|daily|yearly)\b",
            re.I,
        ),
    ),
    FactKind(
        "doc_number",
        re.compile(r"文号|字号|发文编号|document number|reference number|file number", re.I),
        re.compile(f"{DOC_NUMBER_RE.pattern}|{SERIAL_NUMBER_RE.pattern}"),
    ),
    FactKind(
        "title",
        re.compile(
            r"题目|标题|主题是|名称是|提案名称|文件名称|全称|叫什么名|title|full name|names? of"
            # ("topic" in a policy question is a funding 专题, not a title)
            r"|\bcalled\b|\bsubject\b",
            re.I,
        ),
        re.compile(r"《[^》]+》|“[^”]{4,80}”|「[^」]{2,80}」|『[^』]{2,80}』"),
    ),
    FactKind(
        "phone",
        # "who should I call": the number to call (not "call for proposals")
        re.compile(r"电话|联系方式|号码|phone|telephone|\bcall\b(?! for)|\b(ring|dial)\b", re.I),
        # (Taiwan's "(05)386-2210", "02-2345-6789" too)
        re.compile(
            # (not digits inside a code: "11350Y31FY0025418K/2024-00087")
            r"(?<![A-Za-z\d/])(?:"
            r"\d{3,4}[-－—]\d{7,8}|\d{7,}|\(0\d{1,3}\)\s*\d{3,4}-?\d{4}|0\d{1,3}-\d{3,4}-\d{4}"
            # a local number written in groups: "0897-6628 1035"
            r"|0\d{2,3}[-－—]\d{3,4}[ \u3000]\d{4}"
            # international: "+86-758-6213-0021", "(853) 2872 6613"
            r"|\+\d{1,3}[-\s]\d{2,4}[-\s]\d{3,4}[-\s]?\d{3,4}|\(\d{3}\)\s*\d{4}\s*\d{4}"
            r")(?![A-Za-z])"
        ),
        reach=2,
    ),
    FactKind(
        "signer",
        re.compile(r"签发人|签批人|who signed|signed by", re.I),
        re.compile(r"签发人|签批人"),
    ),
    FactKind(
        "email",
        re.compile(r"邮箱|电子邮件|邮件地址|电邮|e-?mail", re.I),
        re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),
        reach=2,
    ),
    FactKind(
        "url",
        re.compile(r"网址|网页地址|(?:哪个|什么|哪一?个)网站|\b(website|url|web address)\b", re.I),
        re.compile(r"(?:https?://|www\.)[\w.-]+|[\w-]+\.(?:gov|com|org|net|edu)(?:\.cn)?\b", re.I),
        reach=1,
    ),
    FactKind(
        "location",
        # where something is or is built: "建在哪个位置", "具体建在哪", "地址是"; not "在哪申报"
        # (a channel) nor "哪个区" (a place name, which the place checks handle)
        # ("哪一个地方", "放在哪两个市" ask a place's name, which the place checks handle)
        re.compile(
            r"(?:什么|哪个|哪一?个|具体)位置|(?:建|设|坐落)在哪"
            r"|(?:(?<!邮件)(?<!网页)(?<!网站)地址|地点)(?:是|在)"
            r"|(?<!email )(?<!e-mail )(?<!web )\baddress\b"
            r"|\bwhere\b[^?]{0,40}\b(?:located|built|based|sited)\b",
            re.I,
        ),
        re.compile(
            r"位于|坐落|落户|选址|地址|地点|[\u4e00-\u9fff]{2,}(?:路|街|大道|巷)\s*\d+\s*号"
            r"|\d+\s*号楼|\d+\s*室"
            r"|在[\u4e00-\u9fff]{2,10}(?:省|市|区|县|镇|乡|村|街道|园区|产业园|基地|山|岛|城|港|湖)"
            r"|\blocated\b|\baddress\b|\broad\b|\bstreet\b",
            re.I,
        ),
        reach=1,
    ),
    FactKind(
        "fax",
        re.compile(r"传真|\bfax\b", re.I),
        re.compile(r"传真[：:\s号码为是]{0,6}[\d（(]"),
        reach=2,
    ),
    FactKind(
        "contact",
        # the person a reply letter names for questions about it: 联系人, or 承办人/经办人
        # "contact" as a verb ("what email should I use to contact…") asks for no person
        re.compile(
            r"联系人|联络人|对接人|承办人|经办人|联系谁|找谁|handled by|handler"
            r"|(?<!\bto )(?<!\bi )(?<!\bwe )(?<!\byou )\bcontact\b|who[^?]*\bcontact\b",
            re.I,
        ),
        # or a name given with a phone number: "榆港区经信局：邵敏华，0739-86350726"
        re.compile(
            r"联系人|联络人|对接人|承办人|经办人"
            r"|[：:]\s*[\u4e00-\u9fff]{2,3}[，,、\s]+(?:电话[：:]?\s*)?[(（]?0\d{2,3}[)）\-－]?\d"
        ),
        reach=2,
    ),
    FactKind(
        "addressee",
        re.compile(
            r"(谁|哪位|哪个人)[^？?]{0,8}(提出|提的|提交|建议|提案|议案)|(提出|提交)[^？?]{0,6}(的)?"
            r"(人|委员|代表)|(提案|建议|议案)[^？?人]{0,4}(是)?(谁|哪位)"
            # "答复是回复给哪位委员的"
            r"|(回复|答复|复函|写)给?(谁|哪位|哪个人)|哪位(委员|代表)"
            r"|(who|which [a-z]+( [a-z]+)?) (proposed|submitted|raised|made|wrote)"
            r"|submitted by|proposed by|(proposer|addressee|recipient)",
            re.I,
        ),
        re.compile(r"^[\u4e00-\u9fff]{2,4}\s*(委员|代表|同志|先生|女士)[:：,，]"),
    ),
    FactKind(
        "unit",
        re.compile(
            r"哪个(单位|部门|机构|机关)|哪些(单位|部门|机关)|牵头单位|责任单位|配合单位|牵头部门|由谁负责"
            r"|谁负责"
            r"|谁(来)?牵头|(哪个|哪家|什么)(单位|部门)?牵头"
            r"|哪个部门负责|(which|what) (department|unit|agency|bureau|office)"
            r"|responsible for|in charge|lead (unit|department|agency)|\bleads\b"
            r"|\bwho (?:manages|runs|operates|built|builds|won|organi[sz]es|hosts|leads)\b"
            r"|which (?:company|firm|organi[sz]ation|institution) (?:manages|runs|operates|won)\b"
            # the company in charge: "哪家基金管理公司负责管理", "由哪个机构运营"
            r"|(哪家|哪个|哪间|什么)[^？?，,。]{0,6}(公司|机构|厂商|企业)[^？?，,。]{0,2}"
            r"(负责|管理|运营|承建|承担|实施|中标|得标)"
            # "被督促整改的是哪家物业公司", "住哪家酒店": a named one is asked
            r"|(哪家|哪间|哪一家)[^？?，,。]{0,6}(公司|厂商|酒店|宾馆)",
            re.I,
        ),
        re.compile(
            r"牵头单位|责任单位|配合单位|牵头部门|(由|牵头)[^。；]{0,20}(局|委|办|厅|部|院|政府)"
            # a body that acts: "市工信局负责…", "苏联政府运用…"
            r"|[\u4e00-\u9fff]{1,12}(局|委员会|厅|办公室|政府|中心)(?:[、和及与][\u4e00-\u9fff]{1,12})?"
            r"(负责|牵头|主管|承担|组织|主办|承办|实施|制定|出台|印发|发布|运用|推动)"
            # a title naming its issuer: "某省人民政府办公厅关于印发…的通知"
            r"|[\u4e00-\u9fff]{2,20}(局|委员会|厅|办公室|政府|中心)关于"
            # a named company: "由霁信基金管理有限公司负责"
            r"|[\u4e00-\u9fff]{2,20}(有限公司|有限责任公司|集团|公司|酒店|宾馆|饭店)"
            # an English page: "managed by …", "… Co., Ltd.", "… Bureau"
            r"|\b(?:managed|run|operated|built|organi[sz]ed|hosted|led|won) by\b"
            r"|\b(?:co\.,?\s*ltd|corporation|bureau|commission|administration)\b",
            re.I,
        ),
        reach=2,
    ),
    FactKind(
        "speaker",
        # who said it in a transcript or a news report: "是谁介绍的", "who presented"
        re.compile(
            r"谁(来)?(介绍|讲|说|发言|回答|答复|表示|提到|指出|宣布|主持)"
            r"|哪位[^？?，,。]{0,8}(介绍|讲|说|发言|回答|答复|表示|提到|指出|宣布)"
            r"|who (said|says|spoke|speaks|introduced|presented|answered|announced|hosted|chaired)",
            re.I,
        ),
        # a reported speaker (a transcript's turns get their speaker so: "梁振华表示")
        re.compile(r"[\u4e00-\u9fff]{2,4}(?:表示|指出|介绍说|强调|宣布)"),
    ),
)
BY_NAME = {k.name: k for k in KINDS}
# a count asks for a number with the counter the question used ("多少家" -> "33家", "60余家")
# a magnitude may come between ("2亿台", "1.5万人")
# (not an ordinal: "第二人民医院" counts no people)
COUNT_STATED = rf"(?<!第){NUM}\s*[余多]?\s*[万亿]?\s*[余多]?\s*(?:{{counter}})"
# "第几位皇后" asks for an ordinal: "第二位"
ORDINAL_STATED = rf"第{NUM}\s*(?:{{counter}})"
# a figure: digits, or Chinese numerals of two characters or more ("三千", "十五")
QUANTITY_STATED = re.compile(
    r"\d|[一二两三四五六七八九十][十百千万亿]|[十百千万亿][一二三四五六七八九]"
)
CLAUSE_END_RE = re.compile(r"[？?；;]")
QUANTITY_Q = re.compile(
    # "最大规模的运动" names a superlative, not a size asked for
    # "分几点说说", "从几个方面": how many points a list has is not a figure asked for
    r"多少|多大|多高|多长|(?<![哪这那])几(?![点个]?方面|点说|点讲|点谈)(?<!分几)(?<!分为几)"
    r"|(?<!大)规模|how (many|much|large|big)|size",
    re.I,
)
# "哪一种形式的电话", "哪种淀粉的比例": the noun is the kind of thing asked about, not a figure
TYPE_OF_Q = re.compile(r"(哪一?[种类]|什么样的?|什么类型的?|何种)[^？?，,。；;]{0,10}$")
# kinds asked by a noun alone, which a type question names without asking for its figure
NOUN_KINDS = {"phone": re.compile(r"电话|号码"), "percent": re.compile(r"比例|比重")}


HOW_MANY_EN = re.compile(r"how many\s+((?:[a-z&'’-]+\s+){0,5}[a-z&'’-]+)", re.I)
# "the minimum number of employees" counts employees ("the phone number of" counts nothing)
NUMBER_OF_EN = re.compile(
    r"(?<!phone )(?<!fax )(?<!contact )(?<!document )(?<!serial )\bnumber of\s+"
    r"((?:[a-z&'’-]+\s+){0,5}[a-z&'’-]+)",
    re.I,
)
# years, dates and ranges of years are not counted things ("2023-2025年", "6月18日")
DATE_SPANS = re.compile(
    r"(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[:：]\d{2}"  # 2026-07-09, 10:00
    r"|(?:19|20)\d{2}\s*(?:[-—–~至到]\s*(?:19|20)?\d{2,4})?\s*年?|\d{1,2}\s*[月日]"
)


def _english_count(counter: str, sentence: str) -> bool:
    """True when an English sentence gives a number of the nouns the counter counts (the
    counters_en lexicon read backwards), a few words apart at most."""
    nouns = [n for n, c in glossary("counters_en").items() if counter[0] in c]
    if not nouns:
        return _figure(sentence)
    alternatives = "|".join(map(re.escape, sorted(nouns, key=len, reverse=True)))
    return bool(re.search(rf"\d[\d,.]*\+?\s+(?:[\w-]+\s+){{0,3}}(?:{alternatives})\b", sentence))


def _english_counters(question: str) -> str:
    """Chinese counters for the noun an English "how many" asks about (counters_en lexicon)."""
    m = HOW_MANY_EN.search(question) or NUMBER_OF_EN.search(question)
    if not m:
        return ""
    table = glossary("counters_en")
    words = [re.sub(r"['’]s?$", "", w) for w in m.group(1).lower().split()]
    # the first counted noun after "how many" ("how many AI and robotics enterprises"),
    # longer phrases first ("industry chains" before "chains")
    for i in range(len(words)):
        for size in (3, 2, 1):
            phrase = " ".join(words[i : i + size])
            if len(phrase.split()) == size and table.get(phrase):
                return table[phrase]
    return ""


# numbers that count nothing: a street address ("启明大道1618号", "12楼"), a phone or fax
# number, a postcode
NOT_FIGURE_SPANS = re.compile(
    r"(?:路|街|道|巷|弄|大道|村)\s*\d+\s*(?:号|弄)?|\d+\s*(?:楼|层|室)(?=[，,。；;）)\s]|$)"
    r"|[(（]?0\d{2,3}[)）\-－]\s*\d{7,8}|1[3-9]\d{9}|邮编[:：]?\s*\d{6}"
)


def _figure(sentence: str) -> bool:
    plain = NOT_FIGURE_SPANS.sub(" ", DATE_SPANS.sub(" ", sentence))
    return bool(QUANTITY_STATED.search(plain))


# "企业数是多少", "项目数量有多少": a count of the noun before 数
NOUN_COUNT_Q = re.compile(r"([\u4e00-\u9fff]{1,6}?)(?:个数|数量|数目|数)(?:分别)?(?:是|为|有)?多少")


def _noun_counters(question: str) -> str | None:
    """Counters for a "<noun>数是多少" question (counters_zh lexicon), None when not one."""
    m = NOUN_COUNT_Q.search(question)
    if not m:
        return None
    table = glossary("counters_zh")
    noun = m.group(1)
    for size in range(len(noun), 0, -1):  # "机器人企业" -> 企业
        if table.get(noun[-size:]):
            return table[noun[-size:]]
    return None


def _begins_word(text: str) -> bool:
    """True when text's first character is part of a longer word (人 of 人工智能, 部 of 部门)."""
    words = tag(text[:8])
    if not words or len(words[0][0]) <= 1:
        return False
    # "张算力券" is one unknown word to the tagger, yet 张 counts 算力券: what follows the
    # character starts a word of its own
    return not any(known_word(text[1 : 1 + n]) for n in (2, 3, 4))


def _clause_counters(text: str) -> str:
    """Counters of the last countable noun (counters_zh lexicon) before the clause ends."""
    clause = re.split(r"[？?，,。；;]", text, maxsplit=1)[0]
    table = glossary("counters_zh")
    found = [(clause.rfind(noun), noun) for noun in table if len(noun) > 1 and noun in clause]
    return table[max(found)[1]] if found else ""


def _measure_q() -> re.Pattern[str] | None:
    return _measure_q_for(lexicon("measure_units"))


@cache  # keyed on the word list, so a user lexicon added later is seen
def _measure_q_for(measure_units: tuple[str, ...]) -> re.Pattern[str] | None:
    units = sorted(measure_units, key=len, reverse=True)
    if not units:
        return None
    return re.compile(rf"(?:多少|(?<![哪这那])几)\s*({'|'.join(map(re.escape, units))})")


def _measure_stated(unit: str) -> re.Pattern[str]:
    # "5000亩", "1.2万亩", "100余平方米"
    return re.compile(rf"{NUM}\s*[余多]?\s*[万亿千百]?\s*{re.escape(unit)}", re.I)


def question_clauses(question: str) -> list[str]:
    """The questions of a several-question text, split at question marks and semicolons."""
    return [c for c in CLAUSE_END_RE.split(question) if c.strip()]


# a yes/no question: "能补考吗", "有没有线上回放", "能否投海外的项目"
YES_NO_CUE_RE = re.compile(r"能否|是否|有没有|有无|会不会|能不能|可不可以|要不要")
YES_NO_END_RE = re.compile(r"吗\s*$")
# (a clause that also asks what, how many or which is answered by its figure or name; one that
# asks whether two figures agree, "对得上吗", names both)
OTHER_ASK_RE = re.compile(r"多少|几|什么|哪|谁|怎|如何|多[长大久高]|一样|一致|相同|对得上|同一")


def yes_no_topics(question: str, terms: Sequence[str]) -> tuple[str, ...]:
    """The key term a yes/no question asks about: the first after its cue ("有没有线上回放"),
    else the last before its 吗 ("没通过能补考吗"). None when a clause asks something else too
    ("安家补贴有多少？一次给吗": the figure answers, and says how it is paid)."""
    out: list[str] = []
    clauses = question_clauses(question)
    if any(OTHER_ASK_RE.search(c) for c in clauses):
        return ()
    # ("还能不能报": the negation is part of the cue, not what is asked; "能否进行人工栽培":
    # a light verb names nothing)
    light = frozenset(lexicon("light_verbs"))
    terms = [t for t in terms if not t.startswith(("不", "没")) and t not in light]
    for clause in clauses:
        cue = YES_NO_CUE_RE.search(clause)
        # ("可以区分为…以及?" fills a blank; a yes/no question ends with 吗 or has its cue)
        if cue:
            after = clause[cue.end() :]
            found = sorted((after.find(t), -len(t), t) for t in terms if t in after)
        elif YES_NO_END_RE.search(clause):
            found = sorted((-clause.rfind(t), -len(t), t) for t in terms if t in clause)
        else:
            continue
        if found and found[0][2] not in out:
            out.append(found[0][2])
    return tuple(out)


def _type_of(kind: str, question: str) -> bool:
    """True when the only cue for kind is a noun the question asks the type of (哪种…电话)."""
    noun = NOUN_KINDS.get(kind)
    if noun is None or re.search(r"多少|几|是什么数", question):
        return False
    cues = list(noun.finditer(question))
    # the last mention is the one asked about ("公用电话…被改为哪一种形式的电话")
    return bool(cues) and bool(TYPE_OF_Q.search(question[: cues[-1].start()]))


# a person named by their role: "法人代表叫什么名字", "局长是谁"
PERSON_NAME_Q = re.compile(
    r"(?:人|代表|长|主任|书记|老师|专家|经理|委员|主席|组长|记者)的?(?:叫什么|名字|姓名|是谁)"
)


NAMED_ASK_RE = re.compile(
    r"(?:哪一?[家间所个]|哪几[家间所个]|什么)([\u4e00-\u9fff]{1,6}?)(?:[？?，,。]|$|的|呢|吗)"
    r"|\bwhich\s+([a-z]+)",
    re.I,
)


def named_kind_asked(question: str) -> tuple[str, ...]:
    """The endings a name must have when a question asks which one of a kind of place or body
    ("哪家酒店" -> 酒店, 宾馆, 饭店…; lexicon named_kinds), () for other questions."""
    kinds = glossary("named_kinds")
    for m in NAMED_ASK_RE.finditer(question):
        word = (m.group(1) or m.group(2) or "").lower()
        # "哪家公司承建的": the kind is the word right after the cue, the rest is what it did
        first = tag(word)[0][0] if m.group(1) else word.removesuffix("s")
        for noun in sorted(kinds, key=len, reverse=True):
            if word.endswith(noun) or first == noun:
                return tuple(e for e in kinds[noun].split(",") if e)
    return ()


def asked_kinds(question: str) -> tuple[str, ...]:
    """The kinds of fact a normalised question asks for, most specific first."""
    kinds = [k.name for k in KINDS if k.asked.search(question) and not _type_of(k.name, question)]
    measure_q = _measure_q()
    unit = measure_q.search(question) if measure_q else None
    if unit:
        # "占地多少亩": a figure in that unit, not any number
        return (f"measure:{unit.group(1)}", *[k for k in kinds if k != "money"])
    m = COUNT_Q.search(question)
    noun_counters = None if m else _noun_counters(question)
    if m:
        counter = m.group(1) or _english_counters(question) or COUNTERS
        if m.group(1):
            # "多少项目" counts 项目 (个/项), "几个专项" counts with whatever counter the text
            # uses: 个 is the general classifier
            word = question[m.start(1) : m.start(1) + 2]
            table = glossary("counters_zh")
            if word not in table and _begins_word(question[m.start(1) :]):
                # "多少人工智能企业": the counter-like character begins a word; the noun counted
                # comes later in the clause (企业 -> 家个), or any counter does
                counter = _clause_counters(question[m.start(1) :]) or COUNTERS
            counter = table.get(word, counter)
            if counter == "间":
                # Cantonese counts companies, shops and schools with 间 ("几间公司"): the
                # noun after it says what a written text counts them with
                counter += _clause_counters(question[m.start(1) + 1 :]) or ""
            counter = COUNTERS if counter == "个" else counter
            for later in COUNT_Q.finditer(question, m.end()):
                # "可以几间公司组队？最多可以几家？": each clause's counter answers
                if later.group(1) and later.group(1) not in counter and counter != COUNTERS:
                    counter += later.group(1)
            if counter in OBJECT_COUNTERS:
                # "多少座基站" is answered by "基站1.32万个": 个 counts anything, when no other
                # noun follows it ("33个大城市" counts cities)
                counter += "+"
            if question[max(0, m.start() - 1) : m.start()] == "第":
                counter = "第" + counter  # "第几位": an ordinal
        kinds.insert(0, f"count:{counter}")
    elif noun_counters:
        kinds.insert(0, f"count:{noun_counters}")
    if "frequency" in kinds:
        # "多久报一次": how often, which no length of time ("12个月") answers
        kinds = [k for k in kinds if k not in ("duration", "date", "quantity") and ":" not in k]
    if (
        "duration" in kinds
        and "date" in kinds
        and not re.search(r"什么时候|哪一?天|日期|when", question, re.I)
    ):
        kinds.remove("date")  # "期限是几年": how long, not when
    if "title" in kinds and PERSON_NAME_Q.search(question):
        kinds.remove("title")  # "法人代表叫什么名字": a person's name, not a document's title
    if "fax" in kinds and "phone" in kinds and not re.search(r"电话|phone", question, re.I):
        kinds.remove("phone")  # "传真号码": the number of a fax, not a telephone
    if "percent" in kinds and "money" in kinds and len(question_clauses(question)) <= 1:
        kinds.remove("money")  # "产值增长率是多少" asks for a rate, not an amount
    if QUANTITY_Q.search(question) and (
        not kinds
        # "谁介绍的？一天调用多少次？": a figure asked in its own clause next to a person
        or (set(kinds) <= PERSON_KINDS and len(question_clauses(question)) > 1)
    ):
        kinds.append("quantity")
    return tuple(dict.fromkeys(kinds))


# kinds that ask who: a "多少" in another clause of the question asks for a figure besides
PERSON_KINDS = frozenset({"signer", "contact", "addressee", "unit", "speaker"})


def _count_pattern(counter: str) -> re.Pattern[str]:
    """A count with one of the counters; "第位" (a 第几 question): an ordinal with them."""
    if counter.startswith("第"):
        return re.compile(ORDINAL_STATED.format(counter=f"[{re.escape(counter[1:])}]"))
    if counter.endswith("+"):
        own = COUNT_STATED.format(counter=f"[{re.escape(counter[:-1])}]")
        general = COUNT_STATED.format(counter="个") + r"(?![\u4e00-\u9fff])"
        return re.compile(f"{own}|{general}")
    return re.compile(COUNT_STATED.format(counter=f"[{re.escape(counter)}]"))


def states(kind: str, sentence: str) -> bool:
    """True when sentence (NFKC form) states a fact of this kind."""
    if kind.startswith("count:"):
        counter = kind.split(":", 1)[1]
        if not counter:  # "how many" in English with no counted noun: any counted number
            return _figure(sentence)
        if not CJK_RUN_RE.search(sentence):
            # an English text counts in words: "186 AI-related companies" for 家
            return _english_count(counter, sentence)
        return bool(_count_pattern(counter).search(sentence))
    if kind == "quantity":
        return _figure(sentence)
    if kind.startswith("measure:"):
        return bool(_measure_stated(kind.split(":", 1)[1]).search(sentence))
    return bool(BY_NAME[kind].stated.search(sentence))


# a question for a day, not a year or a month: "到哪天结束", "几号截止", "几月几日"
DAY_Q = re.compile(r"哪一?天|几号|哪一?日|几月几[日号]|what day|which day|what date|by when", re.I)
DAY_STATED = re.compile(
    r"\d{1,2}\s*月\s*\d{1,2}\s*[日号]|\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}"
    r"|[一二三四五六七八九十]{1,2}月[一二三四五六七八九十廿卅]{1,3}[日号]"
    # a day named without its date: "当天", "次日", "工作日"
    r"|当天|当日|次日|之日|工作日"
)


def states_day(question: str, sentence: str) -> bool:
    """False when the question asks for a day and the sentence names no day (only a year)."""
    return not DAY_Q.search(question) or bool(DAY_STATED.search(sentence))


# "申请截止日期", "deadline": when something ends, which a start date ("一月接受申请") is not
DEADLINE_Q = re.compile(
    r"截止|截至|最晚|最迟|为止|\bdeadline|closing date|\bby when\b|until when", re.I
)
DEADLINE_STATED = re.compile(
    # (a range of hours, "9:00-12:00", is opening time, not an end date)
    # (a clause that opens with 截至 dates a status, "截至10月底，共收到127宗申请", not an end)
    r"截[止至](?:日期|时间|期限)|(?<=[^\s，,。；;：:（(])截[止至]|为止|止|之前|以前|前|届满|到期|期限"
    r"|最晚|最迟"
    # (nor is the hyphen of a phone number, "0796-83251647")
    # (a range runs from a date: "12日至16日", "即日起至"; not "收到127宗")
    r"|(?:(?<=[日月年号\d底初旬起时点])\s*[至到]|[—–~～]|(?<!\d)-)"
    r"\s*(?!\d{1,2}\s*[:：]\d)[\d一二三四五六七八九十〇○]"
    r"|\buntil\b|\bby\b|\bdeadline|\bclos",
    re.I,
)


def states_asked(question: str, kind: str, text: str) -> bool:
    """True when text states the kind of fact as the question asks it: a date asked by day
    ("哪天") is a day, one asked as an end ("最晚哪天") an end, not "2026年度"."""
    return states(kind, text) and (
        kind != "date" or (states_day(question, text) and states_deadline(question, text))
    )


def states_deadline(question: str, sentence: str) -> bool:
    """False when the question asks when something ends and the sentence states no end."""
    return not DEADLINE_Q.search(question) or bool(DEADLINE_STATED.search(sentence))


# the organisation a role is asked of: "数据局的局长", "管委会主任"
ROLE_ORG_RE = re.compile(
    r"(?:局|委员会|委|办公室|办|厅|部|院|中心|公司|集团|协会|学会|管委会|会)的?$"
)
ROLE_ORG_CHARS = 3


def states_role(question: str, role: str, sentence: str, issuer: str = "") -> bool:
    """True when the sentence names the office asked about: not its deputy (副局长 for 局长),
    and, when the question names whose office it is (数据局的局长), after that organisation
    or in a document it issued (issuer: the document's issuer and title)."""
    at = question.find(role)
    before = question[max(0, at - 12) : at] if at >= 0 else ""
    org = ""
    if ROLE_ORG_RE.search(before):
        org = re.sub(r"的$", "", before)[-ROLE_ORG_CHARS:]
    deputy = role.startswith("副")
    for m in re.finditer(re.escape(role), sentence):
        if not deputy and sentence[max(0, m.start() - 1) : m.start()] == "副":
            continue
        # (the office is named after its organisation: "评审委员会负责，主席由…担任"; in a
        # document the organisation issued, the office may be named alone)
        if org and org not in sentence[: m.start()] and org not in issuer:
            continue
        return True
    return False


def reach(kind: str) -> int:
    """How many following sentences may state a fact of this kind for the best sentence."""
    return BY_NAME[kind].reach if kind in BY_NAME else 0


def stated_value(kind: str, sentence: str) -> str | None:
    """The text that states the fact (the "33家" of a count), for English leads."""
    if kind.startswith("count:"):
        counter = kind.split(":", 1)[1]
        pattern = _count_pattern(counter) if counter else QUANTITY_STATED
    elif kind == "quantity":
        pattern = QUANTITY_STATED
    elif kind.startswith("measure:"):
        pattern = _measure_stated(kind.split(":", 1)[1])
    elif kind == "contact":
        pattern = re.compile(
            r"(?:联系人|联络人|对接人|承办人|经办人)[:：]?\s*([\u4e00-\u9fff]{2,4})"
        )
    elif kind == "unit":
        pattern = re.compile(r"(?:牵头单位|责任单位|牵头部门)[:：]\s*([^,，;；)）]+)")
    elif kind in BY_NAME:
        pattern = BY_NAME[kind].stated
    else:
        return None
    m = pattern.search(sentence)
    if not m:
        return None
    return m.group(1) if kind in ("contact", "unit") and m.groups() else m.group(0)


def years_in(text: str) -> list[str]:
    """Four-digit years (1900-2099) named in text, in order."""
    return list(dict.fromkeys(YEAR_RE.findall(text)))


# Taiwan dates by the years of the Republic (民國114年 = 2025): "民国113年", "114年度"
REPUBLIC_YEAR_RE = re.compile(r"民[国國]\s*(\d{2,3})\s*年|(?<![\d.])(1[0-4]\d)\s*年度")
ROC_OFFSET = 1911


def roc_years_in(text: str) -> list[str]:
    """The years of the Republic named in text, as four-digit years (114年度 -> "2025")."""
    return list(
        dict.fromkeys(str(int(a or b) + ROC_OFFSET) for a, b in REPUBLIC_YEAR_RE.findall(text))
    )


def year_written(year: str, text: str) -> bool:
    """True when text names the year, as such or as a year of the Republic (2025: 114年)."""
    return year in text or bool(re.search(rf"(?<![\d.]){int(year) - ROC_OFFSET}\s*年", text))


TITLE_RE = re.compile(r"《([^》]+)》")


def asked_title_endings(question: str) -> tuple[str, ...]:
    """The title endings of the kind of document a question names ("提案" -> 建议, 提案)."""
    q = question.lower()
    out: list[str] = []
    for word, endings in glossary("title_kinds").items():
        found = re.search(rf"\b{re.escape(word)}s?\b", q) if word.isascii() else word in q
        if found:
            out.extend(e for e in endings.split(",") if e and e not in out)
    return tuple(out)


def states_title_of_kind(sentence: str, endings: tuple[str, ...]) -> bool:
    """True when the sentence quotes a 《title》 ending in one of the endings."""
    return (
        any(t.rstrip().endswith(endings) for t in TITLE_RE.findall(sentence)) if endings else False
    )


# a phase or batch of a programme ("二期规模", "第一批名单"): a constraint like a year
# ("这一批", "新一期", "每一批" are no numbered phase)
PHASE_RE = re.compile(
    r"(首|第[一二三四五六七八九十\d]+|(?<![这那同新每上下本该哪单])[一二三四五六七八九十\d]+)"
    r"(期|批|阶段)"
)
# a numbered meeting: "第1次会议", "第二次全体会议" (not "召开一次会议")
SESSION_RE = re.compile(r"(第[一二三四五六七八九十\d]+)(次)(?=(?:全体|常务|专题|主任)?会)")
# a numbered round, event or edition: "第二轮申请", "首场培训", "第三届大会" (not "新一轮", "一场")
ROUND_RE = re.compile(r"(首|第[一二三四五六七八九十\d]+)(轮|场|届)")
# a numbered lot of a tender: "包2", "第1包", "2号包", "标段三"
LOT_RE = re.compile(
    r"(?:包|标段)\s*([一二三四五六七八九十\d]{1,2})(?![\d万亿元个])|第?([一二三四五六七八九十\d]{1,2})\s*号?(?:包|标段)(?![装括含])"
)
_ORDINALS = "一二三四五六七八九十"


PHASE_EN_RE = re.compile(
    r"\b(?:(first|second|third|fourth|fifth)\s+(phase|batch|stage|round)"
    r"|(phase|batch|stage|round)\s+(one|two|three|four|five|[1-9]|i{1,3}|iv|v))\b",
    re.I,
)
_EN_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
}
_EN_UNITS = {"phase": "期", "stage": "期", "batch": "批", "round": "轮"}


# a quoted Chinese name ("“人工智能+医疗”"), not a quoted sentence or English words
QUOTED_RE = re.compile(r"[“\"「『]([^”\"」』，,。；;！？!?：:a-zA-Z]{2,12})[”\"」』]")
ORDINAL_REF_RE = re.compile(r"第[一二三四五六七八九十百零〇\d]+[条款项章节]")
ROC_YEAR_RE = re.compile(r"(?<![\d.])1\d{2}\s*年度")
# titles of office: a question naming one (市委书记) is not answered about another (市委副书记)
ROLE_ENDINGS = (
    "书记",
    "主席",
    "主任",
    "组长",
    "市长",
    "省长",
    "县长",
    "区长",
    "镇长",
    "局长",
    "厅长",
    "处长",
    "科长",
    "部长",
    "院长",
    "校长",
    "董事长",
    "理事长",
    "会长",
    "秘书长",
    "总经理",
    "负责人",
)
# a fund's or trust's officers, which the tagger writes in two words
SPLIT_ROLES = ("管理人", "托管人", "受托人")


TIER_RE = re.compile(r"(?<![A-Za-z])([A-Za-z][类档级等])(?=[\u4e00-\u9fff])")
CODE_RE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2,}\d{2,}(?:[-‐–/][A-Za-z0-9]+)+)")


# "是公开招标还是竞争性磋商": a choice between two things asked, one of which the answer names
CHOICE_RE = re.compile(r"([^，,。？?；;\s]{2,})还是([^，,。？?；;\s]{2,})")
CHOICE_LEAD_RE = re.compile(r"^.*(?:是|用|走|按|选|属于|采取|采用)")
CHOICE_CHARS = 6


def alternatives_in(question: str) -> tuple[str, ...]:
    """The two things a "A还是B" question chooses between, each at most CHOICE_CHARS long."""
    m = CHOICE_RE.search(question)
    if not m:
        return ()
    first = CHOICE_LEAD_RE.sub("", m.group(1))[-CHOICE_CHARS:]
    second = re.sub(r"[呢吗啊呀]+$", "", m.group(2))[:CHOICE_CHARS]
    return (first, second) if len(first) >= 2 and len(second) >= 2 else ()


def exact_phrases(question: str, tags: list[tuple[str, str]] | None = None) -> tuple[str, ...]:
    """What an answer must contain verbatim: quoted names, articles (第九条), 117年度, a role.

    tags: the question's (word, flag) pairs when the caller has them already.
    """
    found = [m.group(1).strip() for m in QUOTED_RE.finditer(question)]
    found += ORDINAL_REF_RE.findall(question) + [
        re.sub(r"\s|度", "", y) for y in ROC_YEAR_RE.findall(question)
    ]
    # "领导小组的副组长由谁担任", "市委书记讲了什么": the office named, which 组长 or 市委副书记
    # does not hold
    kind_words = {n for k in KIND_NOUNS.values() for n in k}
    words = tags if tags is not None else tag(question)
    # a category named by its label ("智慧农业类项目"): the documents' categories are labelled
    # the same way, and another one ("智慧医疗类") does not answer for it
    found += [
        w + "类"
        for (w, flag), (nxt, _) in itertools.pairwise(words)
        if nxt == "类" and len(w) >= 2 and flag[0] == "n"
    ]
    # a tier labelled by a letter ("D类人才", "B档") and a code ("MTSJ2026-06号课题"): a
    # scheme's tiers and a list's codes are written as they are, and another does not answer
    found += TIER_RE.findall(question) + CODE_RE.findall(question)
    # (offices the tagger parts, 管理 + 人)
    found += [r for r in SPLIT_ROLES if r in question and not any(r in w for w, _ in words)]
    found += [
        # "副主席" may come as 副 + 主席: the deputy is asked, whom the chair does not answer for
        ("副" + w if "副" + w in question and not w.startswith("副") else w)
        for w, flag in words
        # jieba tags some offices as verbs (处长/v)
        if len(w) >= 2 and w.endswith(ROLE_ENDINGS) and w not in kind_words and flag[0] in "nv"
    ]
    return tuple(dict.fromkeys(f for f in found if f))


def phases_in(text: str) -> tuple[str, ...]:
    """The phases a text names, in a canonical form ("首期", "第一期", "phase one" -> "1期")."""
    found = [_phase_key(m) for m in PHASE_RE.finditer(text)]
    found += [_phase_key(m) for m in SESSION_RE.finditer(text)]
    found += [_phase_key(m) for m in ROUND_RE.finditer(text)]
    for m in LOT_RE.finditer(text):
        number = m.group(1) or m.group(2)
        found.append(f"{_ORDINALS.index(number) + 1 if number in _ORDINALS else number}包")
    for m in PHASE_EN_RE.finditer(text):
        number, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        n = _EN_ORDINALS.get(number.lower(), number)
        found.append(f"{n}{_EN_UNITS[unit.lower()]}")
    return tuple(dict.fromkeys(found))


def _phase_key(m: re.Match[str]) -> str:
    number = m.group(1).lstrip("第")
    if number == "首":
        number = "1"
    elif number in _ORDINALS:
        number = str(_ORDINALS.index(number) + 1)
    # (a 阶段 and a 期 are both a phase: "第二阶段" answers "二期", and "the second phase")
    return f"{number}{'期' if m.group(2) == '阶段' else m.group(2)}"


def states_phase(phase: str, text: str) -> bool:
    """True when text names this phase in any of its forms."""
    return phase in phases_in(text)


# nouns that name a kind of fact ("落款日期是哪天"): a sentence stating that kind of fact covers
# them even when it does not repeat the noun ("2024年6月18日")
KIND_NOUNS = {
    "date": ("日期", "时间", "日子", "时限", "期限"),
    "phone": ("电话", "号码", "联系方式"),
    "fax": ("传真", "号码"),
    "money": ("金额", "资金"),
    "percent": ("比例", "占比"),
    "title": ("名称", "名字", "题目", "标题"),
    "doc_number": ("文号", "编号"),
    "contact": ("联系人", "联络人", "对接人", "承办人", "经办人"),
}


def kind_nouns(kind: str) -> tuple[str, ...]:
    """The nouns that name this kind of fact (count kinds: 数量, 数目, 个数)."""
    if kind.startswith(("count:", "measure:")):
        return ("数量", "数目", "个数", "总数")
    return KIND_NOUNS.get(kind, ())
