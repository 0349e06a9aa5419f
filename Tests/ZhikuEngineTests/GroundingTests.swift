import Testing
@testable import ZhikuEngine

/// The lexical checks behind "not covered": invented specifics, invented numbers, and questions about literals no
/// source names.
@Suite struct GroundingTests {
    let sources = ["最重要的软件包是 build-essential，安装它会把 gcc、make 和 dpkg-dev 一起装上。",
                   "Names in HAL have a maximum length of 41 characters (HAL_NAME_LEN in hal.h)."]

    @Test func specificsMustComeFromTheSources() {
        #expect(Grounding.isGrounded("应该先安装 build-essential [1]。", in: sources))
        #expect(Grounding.isGrounded("The limit is 41 characters, HAL_NAME_LEN [2].", in: sources))
        #expect(Grounding.isGrounded("是的，需要先安装它。", in: sources), "no specifics: nothing to check")
        #expect(!Grounding.isGrounded("The minimum GCC version is 4.8.0 and the server listens on port 52000.", in: sources))
        #expect(!Grounding.isGrounded("运行 dpkg-reconfigure tzdata 并编辑 /etc/timezone 即可。", in: sources))
        #expect(!Grounding.isGrounded("build-essential 需要 gcc 4.8.0 [1]。", in: sources), "an invented version")
        // An invented path or setting fails even beside a term that is in the sources.
        let rules = ["override_dh_auto_configure: dh_auto_configure -- --with-kde in debian/rules"]
        #expect(!Grounding.isGrounded("启动参数写 override_dh_auto_configure -- --sysconfig=/etc/kde-plasma [1]。", in: rules))
        #expect(!Grounding.isGrounded("Edit /etc/default/keyboard and run override_dh_auto_configure [1].", in: rules))
        #expect(Grounding.isGrounded("Use override_dh_auto_configure and/or edit debian/rules [1].", in: rules), "and/or is a word")
        #expect(Grounding.isGrounded("Leave must be requested one-week ahead through the HR-portal [1].",
                                     in: ["Employees must request annual leave one week in advance using the HR portal."]),
                "hyphenated paraphrases are not specifics")
        #expect(Grounding.isGrounded("The server listens on port 52000.", in: sources + ["Which port, 52000 or 5005?"]),
                "a term from the question itself counts as known")
    }

    /// Every number an answer states must be a number of its sources: one found only inside a version is not.
    @Test func inventedNumbersAreFound() {
        let manual = ["status.motion.joint[EMCMOT_MAX_JOINTS]: an array of joint structures (since version 2.9).",
                      "The limit is 41 characters; up to 8 spindles; see figure 3."]
        #expect(Grounding.inventedNumbers("The maximum is 9 joints.", in: manual) == ["9"])
        #expect(Grounding.inventedNumbers("最多支持9个关节。", in: manual) == ["9"], "a number beside Chinese text is still one")
        #expect(Grounding.inventedNumbers("Up to 8 spindles and 41 characters (figure 3).", in: manual).isEmpty)
        #expect(Grounding.inventedNumbers("1. Open the file.\n2. Save it.\n3) Close it.", in: manual).isEmpty, "list marks are no claims")
        #expect(Grounding.inventedNumbers("Use version 2.9 or a 9x build of hal.h.", in: manual).isEmpty, "versions and identifiers are terms, not numbers")
        #expect(Grounding.inventedNumbers("It is 08 characters.", in: ["It is 8."]).isEmpty, "leading zeros")
        #expect(!Grounding.isGrounded("The maximum is 9 joints [1].", in: manual))
        #expect(Grounding.isGrounded("The maximum is 8 spindles [1, 2].", in: manual), "citation markers are not numbers")
    }

    /// Literals of a question: identifiers, paths, settings, options, acronyms and one-letter codes; not words,
    /// not abbreviations like "i.e." or bare versions like "2.9".
    @Test func aQuestionsLiteralsAreItsNamesPathsAndCodes() {
        #expect(Grounding.literals(in: "在 Debian 里怎么把系统时区改成 Asia/Shanghai？") == ["Asia/Shanghai"])
        #expect(Grounding.literals(in: "如果改用 sbuild 来构建，~/.sbuildrc 里应该怎么配置？") == ["~/.sbuildrc"])
        #expect(Grounding.literals(in: "lintian 输出里以 P: 开头的标记代表什么？") == ["P:"])
        #expect(Grounding.literals(in: "What is the minimum GCC version for LinuxCNC 2.9, i.e. the value of EMCMOT_MAX_JOINTS?")
                == ["GCC", "EMCMOT_MAX_JOINTS"])
        #expect(Grounding.literals(in: "How do I pass -sa to dpkg-buildpackage and keep orig.tar.gz?") == ["-sa", "orig.tar.gz"])
        #expect(Grounding.literals(in: "Which port does the server listen on?").isEmpty)
    }

    @Test func literalsNoSourceNamesAreMissing() {
        let docs = ["export LANG=zh_CN.UTF-8 设置中文环境；控制信息写在 debian 目录的 control 文件里。",
                    "See http://example.org/ and the E: and W: tags of lintian. gcc is installed by default."]
        #expect(Grounding.missingLiterals(of: "怎么把时区改成 Asia/Shanghai？", in: docs) == ["Asia/Shanghai"])
        #expect(Grounding.missingLiterals(of: "以 P: 开头的标记是什么？", in: docs) == ["P:"], "\"http:\" holds no P:")
        #expect(Grounding.missingLiterals(of: "以 E: 开头的标记是什么？", in: docs).isEmpty)
        #expect(Grounding.missingLiterals(of: "LANG=zh_CN.UTF-8 是什么意思？", in: docs).isEmpty, "each part is there")
        #expect(Grounding.missingLiterals(of: "LC_ALL=zh_CN.UTF-8 是什么意思？", in: docs).isEmpty, "two parts of three are there")
        #expect(Grounding.missingLiterals(of: "LC_ALL=zh_TW.Big5 是什么意思？", in: docs) == ["LC_ALL=zh_TW.Big5"])
        #expect(Grounding.missingLiterals(of: "debian/control 里写什么？", in: docs).isEmpty)
        #expect(Grounding.missingLiterals(of: "Which GCC version is needed?", in: docs).isEmpty, "case does not matter")
        #expect(Grounding.missingLiterals(of: "What is EMCMOT_MAX_JOINTS?", in: docs) == ["EMCMOT_MAX_JOINTS"])
    }

    /// Questions that ask for a number, and answers that state one (digits or number words).
    @Test func numberQuestionsAndNumberAnswers() {
        for q in ["Which TCP port does the NML server listen on by default?", "How many joints are supported?",
                  "What is the maximum number of joints?", "What version of GCC is needed?", "上传可以推迟多少天？",
                  "EMC 是哪一年改名的？", "默认监听哪个端口？", "一共有几个步骤？"] {
            #expect(Grounding.asksForNumber(q), "\(q)")
        }
        for q in ["How do I build the package?", "Which file holds the changelog?", "怎么把时区改成上海？", "What does P: mean?"] {
            #expect(!Grounding.asksForNumber(q), "\(q)")
        }
        #expect(Grounding.statesNumber("It listens on 5005."))
        #expect(Grounding.statesNumber("Up to nine joints."))
        #expect(Grounding.statesNumber("最多推迟十五天。"))
        #expect(!Grounding.statesNumber("It listens on the default port given in the configuration file, which is [n]."))
    }
}
